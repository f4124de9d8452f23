"""The effective rules as a plain-text table, for `jibao check-config`."""

from __future__ import annotations

from alerts.config import Settings
from rules.durations import format_duration
from rules.model import Severity


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
    return "\n".join(lines)
