"""`parse_ruleset` on the shipped `[rules]` table and on broken ones; duration and time parsing."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.durations import format_duration, parse_duration, parse_time_of_day
from rules.model import Severity
from rules.ruleset import RulesetError, parse_ruleset
from tests.rules.builders import config, rules_table, with_key, without_key


# -- the shipped table --------------------------------------------------------------------------
def test_shipped_rules_parse_to_the_domain_defaults():
    cfg = config()
    rules = parse_ruleset(cfg["rules"], timezone=cfg["timezone"])

    assert rules.timezone == ZoneInfo("Asia/Shanghai")
    assert rules.upward_counted_from == "occurrence"
    assert rules.written_after_phone == timedelta(hours=1)
    assert rules.change_followup == timedelta(hours=1)
    assert rules.final_after_handling_finished == timedelta(hours=24)
    assert rules.raised_grade_grace == timedelta(minutes=30)
    assert rules.concealment_suspected_after == timedelta(hours=2)
    assert rules.missed_after_days == 1
    assert rules.update_window == timedelta(days=30)
    assert rules.update_window_by_subtype == {
        "road_traffic": timedelta(days=7),
        "fire": timedelta(days=7),
    }
    assert rules.ungraded_as is Severity.III
    assert rules.sensitive_at_least is Severity.III

    for grade in (Severity.I, Severity.II, Severity.III):
        clocks = rules.grades[grade]
        assert clocks.initial == timedelta(hours=2)
        assert clocks.upward == timedelta(hours=4)
        assert clocks.followup_every == timedelta(hours=4)
        assert clocks.followup_daily_at is None
    iv = rules.grades[Severity.IV]
    assert iv.initial == timedelta(hours=6)
    assert iv.upward is None
    assert iv.followup_every is None
    assert iv.followup_daily_at == time(17, 0)

    assert [(g.grade, g.dead, g.seriously_injured) for g in rules.implied_grades] == [
        (Severity.I, 30, 100),
        (Severity.II, 10, 50),
        (Severity.III, 3, 10),
    ]


def test_implied_grades_are_sorted_most_serious_first():
    table = rules_table()
    table["implied_grade"] = list(reversed(table["implied_grade"]))

    rules = parse_ruleset(table)

    assert [g.grade for g in rules.implied_grades] == [Severity.I, Severity.II, Severity.III]


def test_instruction_clocks_come_from_rules_instructions():
    shipped = parse_ruleset(rules_table()).instructions
    changed = parse_ruleset(with_key(rules_table(), "instructions.relay", "15m")).instructions

    assert (shipped.relay, shipped.acknowledge, shipped.feedback, shipped.verify) == (
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=24),
        timedelta(hours=2),
    )
    assert changed.relay == timedelta(minutes=15)


def test_chain_rules_come_from_rules_chain_with_names_unspaced():
    chain = parse_ruleset(with_key(rules_table(), "chain.higher_offices", ["市 委", "省"])).chain

    assert chain.higher_offices == ("市委", "省")
    assert chain.simultaneous == timedelta(minutes=15)


def test_a_changed_duration_is_taken_from_the_table():
    rules = parse_ruleset(with_key(rules_table(), "severity.I.initial", "1h"))

    assert rules.grades[Severity.I].initial == timedelta(hours=1)


# -- bad tables name the dotted key -------------------------------------------------------------
def _both_followup_clocks():
    return with_key(rules_table(), "severity.III.followup_daily_at", "17:00")


def _neither_followup_clock():
    return without_key(rules_table(), "severity.IV.followup_daily_at")


def _grade_v():
    table = rules_table()
    table["severity"]["V"] = dict(table["severity"]["IV"])
    return table


BAD_TABLES = [
    pytest.param(
        lambda: with_key(rules_table(), "severity.III.initial", "2 hours"),
        "rules.severity.III.initial",
        id="bad-duration-in-a-grade",
    ),
    pytest.param(
        lambda: without_key(rules_table(), "written_after_phone"),
        "rules.written_after_phone",
        id="missing-written_after_phone",
    ),
    pytest.param(
        lambda: rules_table(change_followup="soon"),
        "rules.change_followup",
        id="bad-top-level-duration",
    ),
    pytest.param(_grade_v, "rules.severity.V", id="unknown-grade-V"),
    pytest.param(
        lambda: without_key(rules_table(), "severity.IV"), "rules.severity.IV", id="missing-IV"
    ),
    pytest.param(_both_followup_clocks, "rules.severity.III", id="both-followup-clocks"),
    pytest.param(_neither_followup_clock, "rules.severity.IV", id="no-followup-clock"),
    pytest.param(
        lambda: with_key(rules_table(), "severity.IV.followup_daily_at", "25:00"),
        "rules.severity.IV.followup_daily_at",
        id="bad-time-of-day",
    ),
    pytest.param(
        lambda: rules_table(upward_counted_from="noon"),
        "rules.upward_counted_from",
        id="upward_counted_from-noon",
    ),
    pytest.param(
        lambda: rules_table(missed_after_days=-1),
        "rules.missed_after_days",
        id="negative-missed_after_days",
    ),
    pytest.param(
        lambda: rules_table(missed_after_days=True),
        "rules.missed_after_days",
        id="boolean-missed_after_days",
    ),
    pytest.param(
        lambda: rules_table(ungraded_as="V"), "rules.ungraded_as", id="unknown-ungraded_as"
    ),
    pytest.param(
        lambda: with_key(rules_table(), "update_window_by_subtype.fire", "a week"),
        "rules.update_window_by_subtype.fire",
        id="bad-subtype-window",
    ),
    pytest.param(
        lambda: rules_table(implied_grade=[{"grade": "II", "dead": -1, "seriously_injured": 5}]),
        "rules.implied_grade[0]",
        id="negative-implied-figure",
    ),
    pytest.param(
        lambda: rules_table(implied_grade=[{"grade": "II", "dead": 10}]),
        "rules.implied_grade[0].seriously_injured",
        id="missing-implied-figure",
    ),
    pytest.param(
        lambda: without_key(rules_table(), "severity"), "rules.severity", id="no-severity-table"
    ),
    pytest.param(
        lambda: without_key(rules_table(), "instructions"),
        "rules.instructions",
        id="no-instructions-table",
    ),
    pytest.param(
        lambda: without_key(rules_table(), "instructions.feedback"),
        "rules.instructions.feedback",
        id="missing-instruction-feedback",
    ),
    pytest.param(
        lambda: with_key(rules_table(), "instructions.relay", "0m"),
        "rules.instructions.relay",
        id="zero-instruction-relay",
    ),
    pytest.param(
        lambda: with_key(rules_table(), "instructions.soon", "1h"),
        "rules.instructions.soon",
        id="unknown-instruction-key",
    ),
    pytest.param(lambda: without_key(rules_table(), "chain"), "rules.chain", id="no-chain-table"),
    pytest.param(
        lambda: without_key(rules_table(), "chain.higher_offices"),
        "rules.chain.higher_offices",
        id="no-higher-offices",
    ),
    pytest.param(
        lambda: with_key(rules_table(), "chain.higher_offices", ["市委", " "]),
        "rules.chain.higher_offices",
        id="blank-higher-office",
    ),
    pytest.param(
        lambda: with_key(rules_table(), "chain.higher_offices", "市委"),
        "rules.chain.higher_offices",
        id="higher-offices-not-a-list",
    ),
    pytest.param(
        lambda: with_key(rules_table(), "chain.simultaneous", "soon"),
        "rules.chain.simultaneous",
        id="bad-simultaneous",
    ),
]


@pytest.mark.parametrize(("make_table", "key"), BAD_TABLES)
def test_bad_table_raises_ruleset_error_naming_the_key(make_table, key):
    with pytest.raises(RulesetError) as info:
        parse_ruleset(make_table())

    assert info.value.key == key
    assert str(info.value).startswith(f"{key}: ")
    assert info.value.problem


def test_bad_timezone_names_the_timezone_key():
    with pytest.raises(RulesetError) as info:
        parse_ruleset(rules_table(), timezone="Mars/Olympus_Mons")

    assert info.value.key == "timezone"


def test_ruleset_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_ruleset(rules_table(upward_counted_from="noon"))


# -- durations and times of day -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("0s", timedelta(0)),
    ],
)
def test_parse_duration_accepts(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "2 hours", "-1h", "h", "1.5h", "2H", "1w", "30", None, 30], ids=repr
)
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    "value",
    [timedelta(seconds=90), timedelta(hours=1, minutes=30), timedelta(days=7), timedelta(0)],
    ids=str,
)
def test_format_duration_round_trips(value):
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize(
    ("text", "expected"), [("17:00", time(17, 0)), ("0:05", time(0, 5)), ("23:59", time(23, 59))]
)
def test_parse_time_of_day_accepts(text, expected):
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "17:60", "5pm", "17", "", None], ids=repr)
def test_parse_time_of_day_rejects(text):
    with pytest.raises(ValueError):
        parse_time_of_day(text)
