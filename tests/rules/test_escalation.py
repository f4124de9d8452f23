"""The pure ladder: each step at its own moment, bounded repeats, parsing of the new keys."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from rules.escalation import (
    DEFAULT_REPEAT_LIMIT,
    Recipient,
    Step,
    due_firings,
    parse_policy,
)
from rules.problems import RulesetError

DUE = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _ladder(limit: int = 2) -> tuple[Step, ...]:
    told = (Recipient("office.director"),)
    return (
        Step("remind", -timedelta(minutes=30), told, ("sms",)),
        Step("due", timedelta(0), told, ("sms",)),
        Step("due+60m", HOUR, told, ("sms",), repeat_every=HOUR, repeat_limit=limit),
    )


def _plan(now: datetime, fired: set[str], limit: int = 2) -> tuple[list[str], datetime | None]:
    plan = due_firings(
        _ladder(limit),
        due_at=DUE,
        opened_at=DUE - 2 * HOUR,
        fired=fired,
        acks=(),
        ack_pause=timedelta(minutes=30),
        now=now,
    )
    return [f.key for f in plan.due], plan.next_at


@pytest.mark.parametrize(
    ("now", "fired", "due", "next_at"),
    [
        (DUE - HOUR, set(), [], DUE - timedelta(minutes=30)),
        (DUE - timedelta(minutes=30), set(), ["remind"], DUE),
        (DUE - timedelta(seconds=25), {"remind"}, [], DUE),  # nothing early
        (DUE, {"remind"}, ["due"], DUE + HOUR),
        (DUE + HOUR, {"remind", "due"}, ["due+60m"], DUE + 2 * HOUR),
        (DUE + 2 * HOUR, {"remind", "due", "due+60m"}, ["due+60m#2"], DUE + 3 * HOUR),
        (DUE + 3 * HOUR, {"remind", "due", "due+60m", "due+60m#2"}, ["due+60m#3"], None),
        (DUE + 9 * HOUR, {"remind", "due", "due+60m", "due+60m#2", "due+60m#3"}, [], None),
    ],
)
def test_the_last_step_repeats_up_to_its_limit_then_falls_silent(
    now: datetime, fired: set[str], due: list[str], next_at: datetime | None
) -> None:
    assert _plan(now, fired) == (due, next_at)


def test_after_long_downtime_only_the_last_allowed_repeat_fires() -> None:
    assert _plan(DUE + 30 * HOUR, {"remind", "due", "due+60m"}) == (["due+60m#3"], None)


def test_a_limit_of_zero_fires_the_step_once() -> None:
    assert _plan(DUE + 5 * HOUR, {"remind", "due"}, limit=0) == (["due+60m"], None)


def _table(**extra: object) -> dict[str, object]:
    step = {"key": "due", "at": "0m", "notify": ["office.director"], "channels": ["sms"]}
    return {"ack_pause": "30m", "unit": [step], "office": [step], **extra}


def test_policy_defaults_fallback_digest_and_repeat_limit() -> None:
    policy = parse_policy(_table())
    assert [r.target for r in policy.fallback] == ["office.duty_officer", "office.director"]
    assert policy.digest_at == time(8, 0)
    assert policy.unit[0].repeat_limit == DEFAULT_REPEAT_LIMIT


def test_policy_reads_fallback_digest_and_repeat_limit() -> None:
    table = _table(fallback=["office.leader_on_duty"], digest_at="07:30")
    table["unit"] = [{**table["unit"][0], "repeat_every": "1h", "repeat_limit": 2}]  # type: ignore[index]
    policy = parse_policy(table)
    assert [r.target for r in policy.fallback] == ["office.leader_on_duty"]
    assert policy.digest_at == time(7, 30)
    assert policy.unit[0].repeat_limit == 2


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"fallback": "office.director"}, "escalation.fallback"),
        ({"fallback": ["office.nobody"]}, "escalation.fallback[0]"),
        ({"digest_at": "25:00"}, "escalation.digest_at"),
    ],
)
def test_bad_fallback_or_digest_time_is_refused_by_name(extra: dict[str, object], key: str) -> None:
    with pytest.raises(RulesetError) as caught:
        parse_policy(_table(**extra))
    assert caught.value.key == key


@pytest.mark.parametrize("limit", [-1, "3", True])
def test_bad_repeat_limit_is_refused_by_name(limit: object) -> None:
    table = _table()
    table["unit"] = [{**table["unit"][0], "repeat_limit": limit}]  # type: ignore[index]
    with pytest.raises(RulesetError) as caught:
        parse_policy(table)
    assert caught.value.key == "escalation.unit[0].repeat_limit"


def test_instruction_clocks_have_their_own_ladders_else_the_report_ladders() -> None:
    without = parse_policy(_table())
    table = _table()
    own = [{**table["unit"][0], "key": "instruction-due"}]  # type: ignore[index]
    with_own = parse_policy({**table, "instruction_unit": own})

    assert without.ladder(party="unit", instruction=True) == without.unit
    assert without.ladder(party="office", instruction=True) == without.office
    assert [s.key for s in with_own.ladder(party="unit", instruction=True)] == ["instruction-due"]
    assert with_own.ladder(party="unit") == with_own.unit
    assert with_own.ladder(party="office", instruction=True) == with_own.office


@pytest.mark.parametrize("ladder", [[], "due", [{"key": "due"}]])
def test_a_bad_instruction_ladder_is_refused_by_name(ladder: object) -> None:
    with pytest.raises(RulesetError) as caught:
        parse_policy({**_table(), "instruction_unit": ladder})
    assert caught.value.key.startswith("escalation.instruction_unit")


@pytest.mark.parametrize("key", ["relay", "supervise"])
def test_a_step_may_not_take_an_instruction_rungs_key(key: str) -> None:
    table = _table()
    step = {**table["unit"][0], "key": key}  # type: ignore[index]
    with pytest.raises(RulesetError) as caught:
        parse_policy({**table, "instruction_unit": [step]})
    assert caught.value.key == "escalation.instruction_unit[0].key"
