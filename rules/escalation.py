"""Which escalation steps fire when: the ladder as data, and a pure `due_firings(now)`.

A ladder is a list of steps at offsets from an obligation's due time (negative offsets are
reminders). An obligation opened after some step's moment, such as one registered already
overdue, starts its ladder at the moment it opened: reminders then and the rest from there. An
acknowledgement pauses the ladder: a step whose moment falls in a pause fires when the pause
ends. Only the report itself ends the ladder: the caller stops asking once the obligation is met.
The last step may repeat, at most `repeat_limit` times; after downtime only the latest missed
repeat fires. A spent ladder falls silent: the daily digest takes over (alerts/digests.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from rules.durations import parse_duration, parse_time_of_day
from rules.ruleset import RulesetError

CHANNELS = ("sms", "voice", "email", "webhook")
DEFAULT_REPEAT_LIMIT = 4  # repeats after a step's first firing: five messages, then the digest
DEFAULT_FALLBACK = ("office.duty_officer", "office.director")
DEFAULT_DIGEST_AT = time(8, 0)
ROLE_SCOPES = ("unit", "office")
ROLES = (
    "duty_officer",
    "deputy_duty_officer",
    "leader_on_duty",
    "leader",
    "principal",
    "section_head",
    "director",
    "county_leader",
)


@dataclass(frozen=True)
class Recipient:
    """Whom a step tells: a role resolved from the roster when it fires, a named person
    (`person:<phone or email>`) or an outgoing webhook (`webhook:<name>`)."""

    target: str
    channels: tuple[str, ...] | None = None  # None: the step's channels


@dataclass(frozen=True)
class Step:
    """One rung of a ladder."""

    key: str
    offset: timedelta  # from the due time; negative for reminders
    recipients: tuple[Recipient, ...]
    channels: tuple[str, ...]
    repeat_every: timedelta | None = None
    repeat_limit: int = DEFAULT_REPEAT_LIMIT  # repeats after the first firing, if it repeats


@dataclass(frozen=True)
class Policy:
    """The ladders for a unit's obligations and for the office's, the acknowledgement pause, who
    is told when a rung's roles are vacant, and when the daily digest of spent ladders goes."""

    unit: tuple[Step, ...]
    office: tuple[Step, ...]
    ack_pause: timedelta
    fallback: tuple[Recipient, ...] = tuple(Recipient(t) for t in DEFAULT_FALLBACK)
    digest_at: time = DEFAULT_DIGEST_AT  # local time of day


@dataclass(frozen=True)
class Firing:
    """A step that is due: `key` is unique per obligation (repeats are `key#2`, `key#3`, …)."""

    key: str
    step: Step
    scheduled_at: datetime  # when it should fire (after any pause)


@dataclass(frozen=True)
class Plan:
    """What fires now and when to look again."""

    due: tuple[Firing, ...]
    next_at: datetime | None


def due_firings(
    ladder: Sequence[Step],
    *,
    due_at: datetime,
    opened_at: datetime,
    fired: Iterable[str],
    acks: Iterable[datetime],
    ack_pause: timedelta,
    now: datetime,
) -> Plan:
    """The steps of `ladder` due at `now` that have not fired, and the next moment to look."""
    done = set(fired)
    pauses = sorted(acks)
    due: list[Firing] = []
    upcoming: list[datetime] = []
    for step in ladder:
        last_fired = max((n for n in _indexes(step, done)), default=0)
        for number, moment in _occurrences(step, due_at, opened_at, now):
            if number <= last_fired:
                continue
            moment = _after_pauses(moment, pauses, ack_pause)
            if moment <= now:
                due.append(Firing(firing_key(step, number), step, moment))
            else:
                upcoming.append(moment)
    return Plan(
        tuple(sorted(due, key=lambda f: (f.scheduled_at, f.key))), min(upcoming, default=None)
    )


def firing_key(step: Step, number: int) -> str:
    """`due+60m` for a step's first firing, `due+60m#3` for its third."""
    return step.key if number == 1 else f"{step.key}#{number}"


def _indexes(step: Step, done: set[str]) -> Iterable[int]:
    for key in done:
        base, _, number = key.partition("#")
        if base == step.key:
            yield int(number) if number.isdigit() else 1


def _occurrences(
    step: Step, due_at: datetime, opened_at: datetime, now: datetime
) -> list[tuple[int, datetime]]:
    """The step's first moment; for a repeating step, only its latest past and next moments
    (after downtime one message says it all), never beyond its repeat limit."""
    if step.offset >= timedelta(0):
        start = max(due_at, opened_at) + step.offset
    else:
        start = max(due_at + step.offset, opened_at)
    if step.repeat_every is None or start > now:
        return [(1, start)]
    past = min((now - start) // step.repeat_every, step.repeat_limit)
    latest = [(1 + past, start + past * step.repeat_every)]
    if past == step.repeat_limit:
        return latest
    return [*latest, (2 + past, start + (past + 1) * step.repeat_every)]


def _after_pauses(moment: datetime, acks: list[datetime], pause: timedelta) -> datetime:
    for ack in acks:
        if ack <= moment < ack + pause:
            moment = ack + pause
    return moment


def parse_policy(table: Mapping[str, Any]) -> Policy:
    """Build the Policy from `[escalation]`; raise RulesetError naming the first bad key."""
    if not isinstance(table, Mapping):
        raise RulesetError("escalation", "must be a table")
    pause = _duration(table.get("ack_pause", ""), "escalation.ack_pause")
    fallback = table.get("fallback", list(DEFAULT_FALLBACK))
    if not isinstance(fallback, list):
        raise RulesetError("escalation.fallback", "must be a list of recipients")
    try:
        digest_at = parse_time_of_day(table.get("digest_at", "08:00"))
    except (TypeError, ValueError) as exc:
        raise RulesetError("escalation.digest_at", str(exc)) from exc
    return Policy(
        _ladder(table, "unit"),
        _ladder(table, "office"),
        pause,
        tuple(_recipient(r, f"escalation.fallback[{i}]") for i, r in enumerate(fallback)),
        digest_at,
    )


def _ladder(table: Mapping[str, Any], name: str) -> tuple[Step, ...]:
    rows = table.get(name)
    if not isinstance(rows, list) or not rows:
        raise RulesetError(f"escalation.{name}", "must be a non-empty array of tables")
    steps = [_step(row, f"escalation.{name}[{i}]") for i, row in enumerate(rows)]
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        raise RulesetError(f"escalation.{name}", "step keys must be unique")
    if any(s.repeat_every for s in steps[:-1]):
        raise RulesetError(f"escalation.{name}", "only the last step may repeat")
    return tuple(sorted(steps, key=lambda s: s.offset))


def _step(row: Any, path: str) -> Step:
    if not isinstance(row, Mapping):
        raise RulesetError(path, "must be a table")
    key = row.get("key")
    if not isinstance(key, str) or not key or "#" in key:
        raise RulesetError(f"{path}.key", "must be a non-empty name without #")
    offset = _offset(row.get("at", ""), f"{path}.at")
    repeat = (
        _duration(row["repeat_every"], f"{path}.repeat_every") if "repeat_every" in row else None
    )
    if repeat is not None and repeat <= timedelta(0):
        raise RulesetError(f"{path}.repeat_every", "must be more than 0")
    limit = row.get("repeat_limit", DEFAULT_REPEAT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise RulesetError(f"{path}.repeat_limit", "must be a whole number, 0 or more")
    channels = _channels(row.get("channels"), f"{path}.channels")
    notify = row.get("notify")
    if not isinstance(notify, list) or not notify:
        raise RulesetError(f"{path}.notify", "must name at least one recipient")
    recipients = tuple(_recipient(r, f"{path}.notify[{i}]") for i, r in enumerate(notify))
    return Step(key, offset, recipients, channels, repeat, limit)


def _offset(value: Any, path: str) -> timedelta:
    if isinstance(value, str) and value.startswith("-"):
        return -_duration(value[1:], path)
    return _duration(value, path)


def _duration(value: Any, path: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise RulesetError(path, str(exc)) from exc


def _recipient(value: Any, path: str) -> Recipient:
    if isinstance(value, Mapping):
        target = value.get("target", value.get("role"))
        channels = (
            _channels(value.get("channels"), f"{path}.channels") if "channels" in value else None
        )
    else:
        target, channels = value, None
    if not isinstance(target, str) or not _valid_target(target):
        raise RulesetError(
            path,
            f"unknown recipient {target!r} (use unit.ROLE, office.ROLE, "
            f"person:PHONE-OR-EMAIL or webhook:NAME; roles: {', '.join(ROLES)})",
        )
    return Recipient(target, channels)


def _valid_target(target: str) -> bool:
    scope, _, rest = target.partition(".")
    if scope in ROLE_SCOPES and rest in ROLES:
        return True
    kind, _, name = target.partition(":")
    return kind in ("person", "webhook") and bool(name)


def _channels(value: Any, path: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(c in CHANNELS for c in value):
        raise RulesetError(path, f"must be a non-empty list of {', '.join(CHANNELS)}")
    return tuple(value)
