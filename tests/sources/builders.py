"""Builders for the sources tests: `[[sources]]` tables, Alertmanager's webhook messages (the
shape of version 4, as notify/webhook sends it) and a county that has both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.builders import County, at, county

# what Alertmanager sends as the end of an alert that still fires
STILL_FIRING = "0001-01-01T00:00:00Z"


def alertmanager_source(**overrides: Any) -> dict[str, Any]:
    """The `[[sources]]` table of a reservoir gauge's Alertmanager, for the township qdh."""
    table: dict[str, Any] = {
        "name": "alertmanager",
        "kind": "alertmanager",
        "unit": "qdh",
        "category": {
            "path": "labels.category",
            "values": {"flood": "natural_disaster", "gas": "accident"},
            "default": "natural_disaster",
        },
        "severity": {"path": "labels.severity", "values": {"critical": "II", "warning": "IV"}},
        "location": {
            "area": {"path": "labels.area", "default": "千岛湖镇"},
            "address": {"path": ["labels.site", "labels.instance"]},
        },
    }
    table.update(overrides)
    return table


def alert(
    name: str = "ReservoirLevelHigh",
    *,
    fingerprint: str = "1a30ba71cca2921f",
    status: str = "firing",
    starts: datetime | None = None,
    ends: datetime | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One alert of a webhook message, firing unless said."""
    return {
        "status": status,
        "labels": {
            "alertname": name,
            "severity": "critical",
            "category": "flood",
            "site": "新安江水库大坝",
            **(labels or {}),
        },
        "annotations": {
            "summary": "新安江水库水位超过警戒线",
            "description": "坝前水位 108.2 米，超警戒 0.7 米",
            **(annotations or {}),
        },
        "startsAt": (starts or at(9, 50)).isoformat(),
        "endsAt": ends.isoformat() if ends else STILL_FIRING,
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=reservoir_level",
        "fingerprint": fingerprint,
    }


def resolved(at_: datetime, **overrides: Any) -> dict[str, Any]:
    """The same alert, resolved at `at_`."""
    return alert(status="resolved", ends=at_, **overrides)


def message(*alerts: dict[str, Any]) -> dict[str, Any]:
    """A webhook message (version 4) of one alert group."""
    firing = any(a.get("status") == "firing" for a in alerts)
    common = dict(alerts[0].get("labels") or {}) if alerts else {}
    return {
        "receiver": "jibao",
        "status": "firing" if firing else "resolved",
        "alerts": list(alerts),
        "groupLabels": {"alertname": common.get("alertname", "")},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "version": "4",
        "groupKey": '{}:{alertname="ReservoirLevelHigh"}',
        "truncatedAlerts": 0,
    }


def county_with_sources(database_url: str, *sources: dict[str, Any], **kwargs: Any) -> County:
    """The test county at 10:00 with these `[[sources]]` (the Alertmanager one by default)."""
    tables = list(sources) or [alertmanager_source()]
    return county(database_url, start=kwargs.pop("start", at(10)), sources=tables, **kwargs)


def deliver(c: County, body: Any, *, name: str = "alertmanager", token: str | None = None) -> Any:
    """POST a source's body with the office's token in the Authorization header."""
    return c.client.post(
        f"/api/v1/sources/{name}",
        json=body,
        headers={"Authorization": f"Bearer {token or c.office_token}"},
    )
