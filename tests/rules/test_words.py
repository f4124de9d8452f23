"""Time in words (rules/words.py), against the table static/app.js is tested with too."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from rules.words import countdown, offset, overdue, span

CASES = json.loads((Path(__file__).parent / "timewords_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c["seconds"]))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_countdown_in_words(case: dict[str, object], language: str) -> None:
    assert countdown(timedelta(seconds=int(str(case["seconds"]))), language) == case[language]


def test_part_seconds_round_towards_zero() -> None:
    assert countdown(timedelta(seconds=59.9), "zh_CN") == "剩余 不到 1 分钟"
    assert countdown(timedelta(seconds=-60.5), "en") == "1 min overdue"


def test_overdue_span_and_offset() -> None:
    assert overdue(timedelta(minutes=3121), "zh_CN") == "已逾期 2 天 4 小时"
    assert overdue(timedelta(minutes=151), "en") == "2 h 31 min overdue"
    assert span(timedelta(minutes=-90), "zh_CN") == "1 小时 30 分"
    assert offset(timedelta(0), "zh_CN") == "到期时"
    assert offset(timedelta(minutes=60), "zh_CN") == "到期后 1 小时"
    assert offset(timedelta(minutes=-30), "zh_CN") == "到期前 30 分钟"
    assert offset(timedelta(minutes=90), "en") == "1 h 30 min after due"
    assert offset(timedelta(0), "en") == "at due"


def test_an_unknown_language_speaks_chinese() -> None:
    assert countdown(timedelta(minutes=5), "fr") == "剩余 5 分钟"


def test_a_step_may_carry_a_label_and_a_bad_one_is_refused() -> None:
    from rules.escalation import parse_policy
    from rules.problems import RulesetError

    def table(label: object) -> dict[str, object]:
        step = {"key": "due", "at": "0m", "notify": ["unit.leader"], "channels": ["sms"]}
        return {
            "ack_pause": "30m",
            "unit": [{**step, "label": label}],
            "office": [step],
        }

    policy = parse_policy(table("到期督办"))
    assert policy.unit[0].label == "到期督办" and policy.office[0].label is None
    for bad in ("", "  ", 5, "长" * 41):
        with pytest.raises(RulesetError) as refused:
            parse_policy(table(bad))
        assert "escalation.unit[0].label" in str(refused.value)
