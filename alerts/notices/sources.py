"""What a notice is drafted from: a unit's late report of an incident (an initial, written or
upward report met after its due time; automatic, DOMAIN §6), or a missed (漏报) or concealed
(瞒报) report once the information section has confirmed the finding and what raised it still
stands. The candidates are computed live: every source without a notice. Reads only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.errors import Conflict, FieldProblem, Invalid, NotFound
from alerts.records.findings import lines
from alerts.storage import models as m
from alerts.storage.queries.findings import decisions_of
from alerts.storage.queries.notices import findings_in_state, late_obligations, noticed_sources
from rules.compliance import REPORT_KINDS
from rules.findings import FindingState

# a finding's kind → the notice's kind
FINDING_KINDS = {"missed": "missed", "concealment_suspected": "concealed"}
KINDS = ("late", *FINDING_KINDS.values())
_SOURCE = re.compile(r"(obligation|finding):([1-9][0-9]{0,17})")
# the tables' ids are INTEGER: on PostgreSQL 32 bits, and a larger one is an error, not "none"
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Source:
    """A late obligation or a confirmed finding, with what a notice says of it."""

    kind: str  # late | missed | concealed
    key: str  # obligation:<id> | finding:<id>
    incident: m.Incident
    unit: m.Unit
    obligation: m.Obligation | None  # the report concerned (a concealment's: the initial one)
    finding: m.Finding | None = None
    decision: m.FindingDecision | None = None  # the confirming decision

    @property
    def due_at(self) -> datetime | None:
        """When the report was due."""
        return self.obligation.due_at if self.obligation else None

    @property
    def received_at(self) -> datetime | None:
        """When the report that met it came in, if it did."""
        return self.obligation.met_at if self.obligation else None

    @property
    def minutes_late(self) -> int | None:
        """How late it came, in minutes, if it came."""
        if self.obligation is None or self.obligation.met_at is None:
            return None
        return self.obligation.late_minutes

    @property
    def reason(self) -> str:
        """The confirming decision's reason; a late report needs none."""
        return self.decision.reason if self.decision else ""

    @property
    def report_kind(self) -> str | None:
        """initial, written or upward."""
        return self.obligation.kind if self.obligation else None


def candidates(session: Session, *, office: m.Unit) -> list[Source]:
    """Every source on the office's incidents that has no notice yet, latest first."""
    taken = noticed_sources(session, office_id=office.id)
    found = [
        _late(session, o)
        for o in late_obligations(session, office_id=office.id, kinds=sorted(REPORT_KINDS))
        if f"obligation:{o.id}" not in taken and o.incident_id is not None
    ]
    for finding in findings_in_state(
        session,
        office_id=office.id,
        kinds=sorted(FINDING_KINDS),
        state=FindingState.CONFIRMED.value,
    ):
        if f"finding:{finding.id}" not in taken:
            source = _confirmed(session, finding)
            found += [source] if source else []
    return sorted(found, key=lambda s: s.due_at or s.incident.created_at, reverse=True)


def parse(text: str) -> tuple[str, int]:
    """`obligation:<id>` or `finding:<id>` as its parts; Invalid otherwise."""
    matched = _SOURCE.fullmatch((text or "").strip())
    if matched is None:
        raise Invalid(FieldProblem("source", "notice_source"))
    return matched.group(1), int(matched.group(2))


def source(session: Session, *, office: m.Unit, key: str) -> Source:
    """The source `key` names on the office's incidents, if a notice may be drafted from it.
    Invalid for a malformed key, NotFound for none, Conflict when it is not late or not
    confirmed (or no longer stands)."""
    table, row_id = parse(key)
    row: m.Obligation | m.Finding | None = None
    if row_id <= MAX_ID:
        row = (
            session.get(m.Obligation, row_id)
            if table == "obligation"
            else session.get(m.Finding, row_id)
        )
    incident = session.get(m.Incident, row.incident_id) if row and row.incident_id else None
    if row is None or incident is None or incident.office_id != office.id:
        raise NotFound("notice_source_not_found")
    if isinstance(row, m.Obligation):
        found = _late(session, row) if _is_late(row) else None
    else:
        found = _confirmed(session, row)
    if found is None:
        raise Conflict("notice_source_not_eligible", source=key)
    return found


def _is_late(obligation: m.Obligation) -> bool:
    return obligation.kind in REPORT_KINDS and obligation.status == "late"


def _late(session: Session, obligation: m.Obligation) -> Source:
    incident = session.get(m.Incident, obligation.incident_id)
    unit = session.get(m.Unit, obligation.owed_by_unit_id)
    assert incident is not None and unit is not None
    return Source("late", f"obligation:{obligation.id}", incident, unit, obligation)


def _confirmed(session: Session, finding: m.Finding) -> Source | None:
    """The finding as a source: confirmed, of a kind a notice is about, and still standing."""
    kind = FINDING_KINDS.get(finding.kind)
    incident = session.get(m.Incident, finding.incident_id)
    unit = session.get(m.Unit, finding.unit_id)
    if kind is None or incident is None or unit is None:
        return None
    [line] = lines(session, incident, [finding])
    decisions = decisions_of(session, finding_ids=[finding.id])
    if not line.counts or not decisions:
        return None
    obligation = (
        session.get(m.Obligation, finding.obligation_id)
        if finding.obligation_id
        else session.scalar(
            select(m.Obligation).where(
                m.Obligation.incident_id == incident.id, m.Obligation.key == "initial"
            )
        )
    )
    return Source(kind, f"finding:{finding.id}", incident, unit, obligation, finding, decisions[-1])
