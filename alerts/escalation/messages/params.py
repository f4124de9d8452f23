"""Template parameters for the providers that send approved templates, not free text (Aliyun,
Tencent): what each kind of message fills in (alerts/config_providers.py TEMPLATE_KINDS).

Values are whole here; each adapter shortens them to its provider's length rule. The send time
(`time`) is filled in by the outbox when the message goes, and the ladder's step key (`step`)
here, so two rungs about one item never read the same (carriers block a third identical SMS
within a day)."""

from __future__ import annotations

from typing import Any

from alerts.escalation.messages.render import About, Messages

CLASSIFIED_TITLE = {"zh_CN": "涉密事件", "en": "a classified incident"}


def template_of(messages: Messages, about: About, step: str) -> dict[str, Any]:
    """{"kind": ..., "params": {...}} of a ladder message about `about` at rung `step`."""
    context = messages._context(about)  # the same words the free-text templates use
    what = messages.env.get_template("_what.txt").render(context).strip()
    title = (
        CLASSIFIED_TITLE.get(messages.language, "") if about.classified else about.incident_title
    )
    unit = "" if about.classified else about.unit_name
    note = about.instruction
    if note is not None and note.kind == "relay":
        due = context["feedback_due"] or messages.local(about.due_at)
        params = {"issuer": note.issuer, "unit": unit, "due": due, "code": about.ack_code}
        return {"kind": "relay", "params": params}
    common = {"unit": unit, "title": title, "what": what, "code": about.ack_code, "step": step}
    if context["overdue"]:
        return {"kind": "overdue", "params": {**common, "late": context["late_words"]}}
    return {"kind": "reminder", "params": {**common, "due": context["due"]}}
