"""Time in words, as people in a duty room say it: 剩余 38 分钟, 剩余 1 小时 48 分,
已逾期 2 天 4 小时 (or `38 min left`, `1 h 48 min left`, `2 d 4 h overdue`). Pure:
a length of time in, words out.

Two units at most, the larger first, each rounded down. static/app.js says the same words live;
tests/rules/timewords_cases.json holds the cases both are tested against."""

from __future__ import annotations

from datetime import timedelta

LANGUAGES = ("zh_CN", "en")
_UNITS = {  # day, hour, minute when alone, minute after an hour
    "zh_CN": ("天", "小时", "分钟", "分"),
    "en": ("d", "h", "min", "min"),
}
_UNDER_A_MINUTE = {"zh_CN": "不到 1 分钟", "en": "under 1 min"}
_LEFT = {"zh_CN": "剩余 {span}", "en": "{span} left"}
_OVERDUE = {"zh_CN": "已逾期 {span}", "en": "{span} overdue"}
_OFFSET = {
    "zh_CN": ("到期时", "到期前 {span}", "到期后 {span}"),
    "en": ("at due", "{span} before due", "{span} after due"),
}


def span(length: timedelta, language: str) -> str:
    """A length of time, its sign ignored: `1 小时 48 分`, `2 d 4 h`, `不到 1 分钟`."""
    units = _UNITS[_known(language)]
    total = abs(int(length.total_seconds()))  # towards zero, whichever the sign
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} {units[0]}" + (f" {hours} {units[1]}" if hours else "")
    if hours:
        return f"{hours} {units[1]}" + (f" {minutes} {units[3]}" if minutes else "")
    if minutes:
        return f"{minutes} {units[2]}"
    return _UNDER_A_MINUTE[_known(language)]


def countdown(left: timedelta, language: str) -> str:
    """Time to a due moment (`due - now`): 剩余 … while it is zero or more, else 已逾期 …."""
    language = _known(language)
    template = _LEFT[language] if left >= timedelta(0) else _OVERDUE[language]
    return template.format(span=span(left, language))


def overdue(late: timedelta, language: str) -> str:
    """How late something is (`now - due`, zero or more): 已逾期 2 天 4 小时."""
    language = _known(language)
    return _OVERDUE[language].format(span=span(late, language))


def offset(length: timedelta, language: str) -> str:
    """A ladder rung's moment against the due time: 到期时, 到期前 30 分钟, 到期后 1 小时."""
    at_due, before, after = _OFFSET[_known(language)]
    if length == timedelta(0):
        return at_due
    return (before if length < timedelta(0) else after).format(span=span(length, language))


def _known(language: str) -> str:
    return language if language in _UNITS else "zh_CN"
