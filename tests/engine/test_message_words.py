"""Ladder messages say time in words (已逾期 2 天 4 小时), never a count of minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.escalation.messages.render import About, Messages

DUE = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def _about(now: datetime) -> About:
    return About("千岛湖镇", "山体滑坡", "initial", None, DUE, now, False, "K7", "https://j/a/7")


def _messages(language: str) -> Messages:
    return Messages(language, ZoneInfo("Asia/Shanghai"), ack_pause=timedelta(minutes=30))


@pytest.mark.parametrize(
    ("language", "late", "said"),
    [
        ("zh_CN", timedelta(minutes=3121), "已逾期 2 天 4 小时"),
        ("zh_CN", timedelta(minutes=151), "已逾期 2 小时 31 分"),
        ("en", timedelta(minutes=3121), "2 d 4 h overdue"),
        ("en", timedelta(minutes=38), "38 min overdue"),
    ],
)
def test_overdue_messages_say_how_late_in_words(language: str, late: timedelta, said: str) -> None:
    messages = _messages(language)
    for channel in ("sms", "voice", "email"):
        rendered = messages.render(channel, _about(DUE + late))
        assert said in rendered.subject and said in rendered.text, channel
        assert "3121" not in rendered.text and "151" not in rendered.text
        if rendered.html is not None:
            assert said in rendered.html


def test_messages_before_due_say_the_time_left_in_words() -> None:
    zh = _messages("zh_CN").render("email", _about(DUE - timedelta(minutes=108)))
    assert "剩余 1 小时 48 分" in zh.subject and "还剩 1 小时 48 分" in zh.text
    en = _messages("en").render("voice", _about(DUE - timedelta(minutes=38)))
    assert "due in 38 min" in en.subject and "due in 38 min" in en.text
