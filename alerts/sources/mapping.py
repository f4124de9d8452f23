"""One alert as the registration it makes: title, category, grade, location, and a description
saying what the source said (firing or resolved, since and until when, the mapped description,
an Alertmanager alert's labels and annotations), in the office's language.

What a registration needs and the alert lacks, with no default in its `[[sources]]` table, is
refused with the path in the body where it was looked for."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from alerts.i18n import Translator
from alerts.sources.alerts import Alert
from alerts.sources.paths import join, resolve
from alerts.sources.settings import ALERTMANAGER, FieldMap, SourceConfig

MAX_TITLE = 500
MAX_AREA = 200
MAX_TEXT = 4000  # the description and the address
_DIGEST_ROOM = 40
# an Alertmanager alert's title and description when its table maps none
_ALERTMANAGER_TITLE = FieldMap(path=["annotations.summary", "labels.alertname"])
_ALERTMANAGER_DESCRIPTION = FieldMap(path=["annotations.description"])


@dataclass(frozen=True)
class Said:
    """What one alert says as a registration's fields (plain JSON, as read_report takes them),
    and where in the body each came from, to name a refused field where its sender wrote it."""

    fields: dict[str, Any]
    origins: dict[str, str]


def what_it_says(
    source: SourceConfig, alert: Alert, *, translate: Translator, zone: ZoneInfo
) -> Said:
    """The registration fields of `alert`: title, category, severity, location when mapped,
    description, and occurred_at when the alert says when it started."""
    fields: dict[str, Any] = {}
    origins: dict[str, str] = {}

    def take(name: str, mapping: FieldMap, *, needed: bool = True) -> str | None:
        found = resolve(mapping, alert.data, alert.where)
        origins[name] = join(alert.where, found.path)
        return found.needed(alert.where) if needed else found.value

    title = source.title if source.title.mapped else _ALERTMANAGER_TITLE
    fields["title"] = _cut(take("title", title) or "", MAX_TITLE)
    fields["category"] = take("category", source.category)
    fields["severity"] = take("severity", source.severity)
    if source.location.area.mapped:
        area = _cut(take("location", source.location.area) or "", MAX_AREA)
        address = _cut(take("location.address", source.location.address) or "", MAX_TEXT)
        fields["location"] = {"area": area, "address": address}
        origins["location.area"] = origins["location"]
    description = source.description
    if not description.mapped and source.kind == ALERTMANAGER:
        description = _ALERTMANAGER_DESCRIPTION
    said = take("description", description, needed=False) if description.mapped else None
    used = {origins["title"], origins["description"]} if description.mapped else {origins["title"]}
    fields["description"] = _description(source, alert, said, used, translate, zone)
    if alert.starts_at is not None:
        fields["occurred_at"] = alert.starts_at.isoformat()
        started = "startsAt" if source.kind == ALERTMANAGER else ""
        started = started or resolve(source.starts_at, alert.data, alert.where).path
        origins["occurred_at"] = join(alert.where, started)
    return Said(fields, origins)


def _description(
    source: SourceConfig,
    alert: Alert,
    said: str | None,
    used: set[str],
    translate: Translator,
    zone: ZoneInfo,
) -> str:
    """The head (status and times), what the alert describes, then its labels and the
    annotations not already said as the title or the description."""
    head = translate("source.resolved" if alert.resolved else "source.firing", source=source.name)
    if alert.starts_at is not None:
        head += translate("source.since", at=_local(alert.starts_at, zone))
    if alert.ends_at is not None:
        head += translate("source.until", at=_local(alert.ends_at, zone))
    lines = [head, *([said] if said else [])]
    separator = translate("source.separator")
    for part, values in alert.shown:
        shown = {k: v for k, v in values.items() if join(alert.where, f"{part}.{k}") not in used}
        if shown:
            items = separator.join(f"{k}={v}" for k, v in sorted(shown.items()))
            lines.append(translate(f"source.{part}", items=items))
    text = "\n".join(lines)
    if len(text) <= MAX_TEXT:
        return text
    # cut short, the text keeps a digest of all of it, so a change in the cut part still shows
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return text[: MAX_TEXT - _DIGEST_ROOM] + "…" + translate("source.digest", digest=digest)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
