"""The effective rules and escalation ladders as plain-text tables, for `jibao check-config`:
the report clocks per grade, the other rules, the instruction clocks ([rules.instructions]), and
the unit, office and instruction ladders with the instruction's own two messages."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from alerts.config import Settings
from alerts.escalation.instruction_notices import NOTICE_STEPS
from alerts.i18n import Translator
from rules.durations import format_duration
from rules.escalation import ROLE_SCOPES, Recipient, Step
from rules.model import Severity
from rules.roles import ROLES


def describe_rules(settings: Settings) -> str:
    """A table of each grade's clocks, then the rules that hold for every grade."""
    rules = settings.rules
    lines = [
        f"config ok · timezone {rules.timezone.key} · language {settings.language}",
        "",
        f"{'grade':<6} {'K1 initial':<12} {'K4 upward':<32} {'K5 follow-up':<22}",
    ]
    for severity in Severity:
        clocks = rules.grades[severity]
        upward = (
            f"{format_duration(clocks.upward)} from {rules.upward_counted_from}"
            if clocks.upward is not None
            else f"only if sensitive ({rules.sensitive_at_least.value} clocks)"
        )
        followup = (
            f"every {format_duration(clocks.followup_every)}"
            if clocks.followup_every is not None
            else f"daily by {clocks.followup_daily_at:%H:%M} next day"
        )
        lines.append(
            f"{severity.value:<6} {format_duration(clocks.initial):<12} {upward:<32} {followup:<22}"
        )
    windows = ", ".join(
        f"{k} {format_duration(v)}" for k, v in rules.update_window_by_subtype.items()
    )
    lines += [
        "",
        "K2 written after a phone log   the later of K1 and phone + "
        + format_duration(rules.written_after_phone),
        f"K6 follow-up after a change    {format_duration(rules.change_followup)}",
        f"K8 final after handling ends   {format_duration(rules.final_after_handling_finished)}",
        f"raised grade, clock passed     due {format_duration(rules.raised_grade_grace)} after",
        f"ungraded events run as         {rules.ungraded_as.value}",
        f"sensitive events run as        at least {rules.sensitive_at_least.value}",
        f"missed when registered and     unreported by the end of day +{rules.missed_after_days}",
        f"concealment suspected after    {format_duration(rules.concealment_suspected_after)}",
        f"update window                  {format_duration(rules.update_window)}"
        + (f" ({windows})" if windows else ""),
        f"allowed clock skew             {format_duration(rules.clock_skew)}",
        f"engine safety sweep            every {format_duration(settings.engine.sweep_every)}",
    ]
    return "\n".join(lines + _instruction_clocks(settings))


def _instruction_clocks(settings: Settings) -> list[str]:
    """[rules.instructions]: K9–K11 and the verification, and whom each is owed by."""
    clocks = settings.rules.instructions
    relay, acknowledge = format_duration(clocks.relay), format_duration(clocks.acknowledge)
    feedback, verify = format_duration(clocks.feedback), format_duration(clocks.verify)
    rows = [
        ("K9 instruction relayed", f"{relay} after receipt (office)"),
        ("K10 instruction acknowledged", f"{acknowledge} after relay (unit)"),
        (
            "K11 instruction feedback",
            f"by the deadline it names, else {feedback} after relay;"
            f" {feedback} after a return (unit)",
        ),
        ("feedback verified", f"{verify} after feedback (office)"),
    ]
    return ["", "leader instructions ([rules.instructions])"] + [
        f"{label:<30} {text}" for label, text in rows
    ]


def describe_ladders(settings: Settings, translate: Translator) -> str:
    """Each ladder step by step: key, offset, recipients, channels, repeat."""
    policy = settings.escalation
    lines = [translate("ladder.ack_pause", pause=format_duration(policy.ack_pause))]
    for name, ladder in (("unit", policy.unit), ("office", policy.office)):
        lines += ["", translate(f"ladder.title_{name}"), translate("ladder.header")]
        lines += [_step_line(step, translate) for step in ladder]
    for party, own in (("unit", policy.instruction_unit), ("office", policy.instruction_office)):
        lines += ["", translate(f"ladder.title_instruction_{party}")]
        if own:
            lines.append(translate("ladder.header"))
            lines += [_step_line(step, translate) for step in own]
        else:
            lines.append(translate("ladder.climbs", ladder=translate(f"ladder.title_{party}")))
    lines += ["", translate("ladder.title_notices"), translate("ladder.header")]
    lines += [
        _step_line(step, translate, when=translate(f"ladder.when_{step.key}"))
        for step in NOTICE_STEPS.values()
    ]
    return "\n".join(lines)


def _step_line(step: Step, translate: Translator, *, when: str = "") -> str:
    if when:
        offset = when
    elif step.offset < timedelta(0):
        offset = translate("ladder.before", offset=format_duration(-step.offset))
    elif step.offset == timedelta(0):
        offset = translate("ladder.at_due")
    else:
        offset = translate("ladder.after", offset=format_duration(step.offset))
    recipients = ", ".join(_recipient(r, translate) for r in step.recipients)
    repeat = (
        translate("ladder.every", every=format_duration(step.repeat_every))
        if step.repeat_every is not None
        else "-"
    )
    cells = [(step.key, 12), (offset, 14), (", ".join(step.channels), 18), (repeat, 10)]
    return " ".join(_pad(text, width) for text, width in cells) + " " + recipients


def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)


def _recipient(recipient: Recipient, translate: Translator) -> str:
    scope, _, role = recipient.target.partition(".")
    name = translate(f"role.{role}") if scope in ROLE_SCOPES and role in ROLES else ""
    shown = f"{recipient.target}（{name}）" if name else recipient.target
    if recipient.channels is not None:
        shown += f" [{', '.join(recipient.channels)}]"
    return shown
