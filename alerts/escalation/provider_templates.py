"""The template a provider fills in for one claimed message (Aliyun, Tencent: alerts/config_
providers.py), completed when it is sent: the local send time, and a burst bundled into one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.escalation.messages.render import Messages
from alerts.storage import models as m


def provider_template(
    messages: Messages, row: m.Notification, count: int, now: datetime
) -> dict[str, Any]:
    """{"kind", "params"} for `row`, sent now with `count - 1` others bundled into it. A row
    stored without one (a roster notice, a digest) is a roster notice naming its subject."""
    time = now.astimezone(messages.zone).strftime("%H:%M")
    alone = _alone(row)
    target = {"target": alone["target"]} if alone.get("target") else {}
    if count > 1:
        params = {"count": str(count), "time": time}
        return {"kind": "bundle", "params": params, "alone": alone, **target}
    return {"kind": alone["kind"], "params": {**alone["params"], "time": time}, **target}


def _alone(row: m.Notification) -> dict[str, Any]:
    stored = row.template
    if isinstance(stored, dict) and isinstance(stored.get("kind"), str):
        params = stored.get("params")
        found: dict[str, Any] = {
            "kind": stored["kind"],
            "params": dict(params) if isinstance(params, dict) else {},
        }
        if isinstance(stored.get("target"), str):
            found["target"] = stored["target"]
        return found
    return {"kind": "roster", "params": {"notice": row.subject}}
