"""Alerts in, registrations out. An alert's fingerprint names one incident: its registrations
state `external_ref` = `SOURCE:FINGERPRINT`. A repeat that changes nothing is a no-op; a
change, or the alert resolving, is a follow-up registration on the same incident; a new firing
(another start) after the incident closed registers a new one.

Every registration is filed by the office through the one intake (alerts/filing/intake.py), as
the dashboard files one, so a source is refused whatever a registration would be. Nothing
commits here; a refusal leaves the caller's transaction to roll back whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import FieldProblem, Forbidden, Invalid, NotFound
from alerts.filing import intake
from alerts.filing.report import Report, read_report
from alerts.i18n import Translator
from alerts.sources.alerts import Alert
from alerts.sources.mapping import Said, what_it_says
from alerts.sources.paths import join
from alerts.sources.settings import SourceConfig
from alerts.storage import models as m
from alerts.storage.queries import reporting_office, unit_by_code
from alerts.storage.queries.filing import incident_registered_as, registrations_as

Outcome = Literal["registered", "followed_up", "unchanged"]
# what a source's registrations state, compared with what its alert now says
CONTENT = ("title", "category", "severity", "location", "description", "occurred_at")
_DONE = ("closed", "archived")


@dataclass(frozen=True)
class AlertOutcome:
    """What became of one alert: the incident it names, and the filing it made (None: a no-op)."""

    alert: Alert
    outcome: Outcome
    incident: m.Incident
    filing: m.Filing | None


def source_named(sources: Sequence[SourceConfig], name: str) -> SourceConfig:
    """The `[[sources]]` table called `name`; NotFound when config.toml has none."""
    for source in sources:
        if source.name == name:
            return source
    raise NotFound("unknown_source", name=name)


def take_alerts(
    session: Session,
    *,
    settings: Settings,
    filer: m.Unit,
    source: SourceConfig,
    alerts: Sequence[Alert],
    now: datetime,
    translate: Translator,
) -> list[AlertOutcome]:
    """Register, follow up or pass over each alert in turn; Refused when any is refused."""
    refuse_unless_office(filer)
    # one delivery at a time per office: two copies of one new alert make one incident
    session.execute(select(m.Unit.id).where(m.Unit.id == filer.id).with_for_update())
    taking = _Taking(session, settings, filer, _mapped_unit(session, filer, source), source, now)
    return [taking.take(alert, translate) for alert in alerts]


def refuse_unless_office(filer: m.Unit) -> None:
    """Sources register for the office: a unit's token is Forbidden."""
    if not filer.is_office:
        raise Forbidden(FieldProblem("Authorization", "source_office_token"))


def _mapped_unit(session: Session, office: m.Unit, source: SourceConfig) -> m.Unit:
    unit = unit_by_code(session, code=source.unit)
    if unit is None or unit.is_office or reporting_office(session, unit=unit) is not office:
        problem = FieldProblem(f"sources.{source.name}.unit", "source_unit", {"unit": source.unit})
        raise Invalid(problem, code="source_unit", source=source.name, unit=source.unit)
    return unit


@dataclass(frozen=True)
class _Taking:
    """One request's alerts from one source, filed by the office for the source's unit."""

    session: Session
    settings: Settings
    office: m.Unit
    unit: m.Unit
    source: SourceConfig
    now: datetime

    def take(self, alert: Alert, translate: Translator) -> AlertOutcome:
        """The registration one alert makes, if any."""
        ref = f"{self.source.name}:{alert.fingerprint}"
        zone = self.settings.rules.timezone
        said = what_it_says(self.source, alert, translate=translate, zone=zone)
        incident = incident_registered_as(self.session, office_id=self.office.id, external_ref=ref)
        if incident is None:
            return self._register(alert, said, ref)
        content = self._content(alert, said, ref)
        stated = self._stated(incident, ref)
        changed = [name for name, value in content.items() if stated.get(name) != value]
        if not changed:
            return AlertOutcome(alert, "unchanged", incident, None)
        if incident.state in _DONE or incident.archived_at is not None:
            # a closed incident takes nothing more from its source; a new firing is new
            if "occurred_at" not in changed:
                return AlertOutcome(alert, "unchanged", incident, None)
            return self._register(alert, said, ref)
        owner = self.session.get(m.Unit, incident.unit_id)  # the table's unit, unless remapped
        assert owner is not None
        body: dict[str, Any] = {
            "kind": "register",
            "unit": owner.code,
            "incident_id": incident.id,
            "external_ref": ref,
            "description": said.fields["description"],
            **{name: said.fields[name] for name in changed},
        }
        filing = self._file(alert, said, body)
        return AlertOutcome(alert, "followed_up", incident, filing)

    def _register(self, alert: Alert, said: Said, ref: str) -> AlertOutcome:
        filing = self._file(alert, said, self._first(said, ref))
        incident = self.session.get(m.Incident, filing.incident_id)
        assert incident is not None
        return AlertOutcome(alert, "registered", incident, filing)

    def _first(self, said: Said, ref: str) -> dict[str, Any]:
        """A new incident's registration; it happened when the alert started, else now."""
        return {
            "kind": "register",
            "unit": self.unit.code,
            "external_ref": ref,
            "occurred_at": self.now.isoformat(),
            **said.fields,
        }

    def _content(self, alert: Alert, said: Said, ref: str) -> dict[str, Any]:
        """What the alert says, as a stored registration states it (read_report's forms)."""
        payload = self._report(alert, said, self._first(said, ref)).payload()
        stated = [name for name in CONTENT if name in said.fields]
        return {name: payload[name] for name in stated if name in payload}

    def _stated(self, incident: m.Incident, ref: str) -> dict[str, Any]:
        """What the source's registrations on the incident have said, the latest of each."""
        stated: dict[str, Any] = {}
        filings = registrations_as(
            self.session, incident_id=incident.id, office_id=self.office.id, external_ref=ref
        )
        for filing in filings:
            stated |= {name: filing.payload[name] for name in CONTENT if name in filing.payload}
        return stated

    def _file(self, alert: Alert, said: Said, body: dict[str, Any]) -> m.Filing:
        report = self._report(alert, said, body)
        try:
            outcome = intake.file_report(
                self.session, settings=self.settings, filer=self.office, body=report, now=self.now
            )
        except Invalid as refused:
            raise _where_sent(refused, alert, said) from refused
        self.session.flush()
        return outcome.filing

    def _report(self, alert: Alert, said: Said, body: dict[str, Any]) -> Report:
        try:
            return read_report(body)
        except Invalid as refused:
            raise _where_sent(refused, alert, said) from refused


def _where_sent(refused: Invalid, alert: Alert, said: Said) -> Invalid:
    """A registration's refusal with each field named where the alert holds it."""
    fields = [
        FieldProblem(
            said.origins.get(p.field) or join(alert.where, p.field), p.problem, dict(p.params)
        )
        for p in refused.fields
    ]
    return Invalid(*fields, code=refused.code, **refused.params)
