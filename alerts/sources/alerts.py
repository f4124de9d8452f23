"""A request body read as alerts: Alertmanager's webhook message (version 4), or JSON as its
`[[sources]]` table says. Each alert keeps where it stands in the body, its fingerprint,
whether it has resolved, when it started and ended, and the data the mapping reads by path.

Refuses (Invalid, fields named by their dotted path in the body) what is not of the shape:
nothing of a body is taken unless all of it reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from alerts.errors import FieldProblem, Invalid, invalid, problems_from_validation
from alerts.sources.paths import join, resolve, value_at
from alerts.sources.settings import ALERTMANAGER, SourceConfig
from alerts.storage.bounds import EARLIEST, WireTime

MAX_ALERTS = 200  # per request: Alertmanager's webhook_config `max_alerts` keeps a group below
MAX_FINGERPRINT = 100
Labels = dict[str, str]


class AlertmanagerAlert(BaseModel):
    """One alert of Alertmanager's webhook message; `endsAt` is 0001-01-01 while it fires."""

    model_config = ConfigDict(extra="ignore")  # newer Alertmanagers add fields
    status: Literal["firing", "resolved"]
    labels: Labels
    annotations: Labels = {}
    startsAt: WireTime
    endsAt: AwareDatetime | None = None
    generatorURL: str = ""
    fingerprint: str = Field(default="", max_length=MAX_FINGERPRINT)


class AlertmanagerMessage(BaseModel):
    """Alertmanager's webhook body, version 4 (webhook_config in its configuration docs): one
    notification of an alert group, each of its alerts firing or resolved."""

    model_config = ConfigDict(extra="ignore")
    version: Literal["4"]
    status: Literal["firing", "resolved"]
    alerts: list[AlertmanagerAlert] = Field(max_length=MAX_ALERTS)
    receiver: str = ""
    groupLabels: Labels = {}
    commonLabels: Labels = {}
    commonAnnotations: Labels = {}
    externalURL: str = ""
    groupKey: str = ""
    truncatedAlerts: int = 0


@dataclass(frozen=True)
class Alert:
    """One alert as its source posted it."""

    where: str  # its place in the body, the prefix of every path named in a refusal
    fingerprint: str
    resolved: bool
    starts_at: datetime | None  # None: a JSON source that does not say
    ends_at: datetime | None
    data: Mapping[str, Any]  # what the mapping's paths read
    shown: tuple[tuple[str, Labels], ...] = ()  # labels and annotations, for the description


_MESSAGE = TypeAdapter(AlertmanagerMessage)
_TIME = TypeAdapter(WireTime)


def read_alerts(source: SourceConfig, data: Any) -> list[Alert]:
    """The alerts a parsed JSON body holds, read as `source`'s kind says."""
    if source.kind == ALERTMANAGER:
        return _alertmanager(data)
    return _json(source, data)


def _alertmanager(data: Any) -> list[Alert]:
    if not isinstance(data, dict):
        raise invalid("body", "object")
    if isinstance(data.get("alerts"), list) and len(data["alerts"]) > MAX_ALERTS:
        raise invalid("alerts", "source_too_many", max=MAX_ALERTS)
    try:
        message = _MESSAGE.validate_python(data)
    except ValidationError as exc:
        raise Invalid(*problems_from_validation(exc.errors())) from exc
    return [_alertmanager_alert(index, alert) for index, alert in enumerate(message.alerts)]


def _alertmanager_alert(index: int, alert: AlertmanagerAlert) -> Alert:
    where = f"alerts.{index}"
    ended = alert.endsAt if alert.endsAt and alert.endsAt >= EARLIEST else None
    fingerprint = alert.fingerprint.strip() or labels_fingerprint(alert.labels)
    return Alert(
        where=where,
        fingerprint=fingerprint,
        resolved=alert.status == "resolved",
        starts_at=alert.startsAt.astimezone(UTC),
        ends_at=ended.astimezone(UTC) if ended and alert.status == "resolved" else None,
        data=alert.model_dump(mode="json"),
        shown=(("labels", alert.labels), ("annotations", alert.annotations)),
    )


def labels_fingerprint(labels: Labels) -> str:
    """A fingerprint for an alert sent without one (Alertmanager before 0.19): its labels'."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _json(source: SourceConfig, data: Any) -> list[Alert]:
    items, where = data, ""
    if source.items:
        items, where = value_at(data, source.items), source.items
        if not isinstance(items, list):
            raise invalid(source.items, "list")
    if isinstance(items, dict):
        return [_json_alert(source, where, items)]
    if not isinstance(items, list):
        raise invalid("body", "object")
    if len(items) > MAX_ALERTS:
        raise invalid(where or "body", "source_too_many", max=MAX_ALERTS)
    alerts = []
    for index, item in enumerate(items):
        place = join(where, str(index))
        if not isinstance(item, dict):
            raise invalid(place, "object")
        alerts.append(_json_alert(source, place, item))
    return alerts


def _json_alert(source: SourceConfig, where: str, item: dict[str, Any]) -> Alert:
    fingerprint = resolve(source.fingerprint, item, where).needed(where)
    if len(fingerprint) > MAX_FINGERPRINT:
        path = join(where, resolve(source.fingerprint, item, where).path)
        raise Invalid(FieldProblem(path, "too_long", {"max": MAX_FINGERPRINT}))
    status = resolve(source.status, item, where) if source.status.mapped else None
    said = status.needed(where) if status else "firing"
    if said not in ("firing", "resolved"):
        assert status is not None  # the default is firing
        raise invalid(join(where, status.path), "choice", choices="firing, resolved")
    return Alert(
        where=where,
        fingerprint=fingerprint,
        resolved=said == "resolved",
        starts_at=_started(source, item, where),
        ends_at=None,
        data=item,
    )


def _started(source: SourceConfig, item: dict[str, Any], where: str) -> datetime | None:
    if not source.starts_at.mapped:
        return None
    found = resolve(source.starts_at, item, where)
    text = found.needed(where)
    try:
        return _TIME.validate_python(text).astimezone(UTC)
    except ValidationError as exc:
        problems = problems_from_validation(exc.errors())
        problem = problems[0].problem if problems else "time"
        raise invalid(join(where, found.path), problem) from exc
