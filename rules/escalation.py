"""Which escalation steps fire when: the ladder as data, and a pure `due_firings(now)`.

A ladder is a list of steps at offsets from an obligation's due time (negative offsets are
reminders). An obligation opened after some step's moment, such as one registered already
overdue, starts its ladder at the moment it opened: reminders then and the rest from there. An
acknowledgement pauses the ladder: a step whose moment falls in a pause fires when the pause
ends. Only the report itself ends the ladder: the caller stops asking once the obligation is met.
The last step may repeat, at most `repeat_limit` times; after downtime only the latest missed
repeat fires. A spent ladder falls silent: the daily digest takes over (alerts/digests.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from rules.durations import parse_duration, parse_time_of_day
from rules.problems import Problems, join
from rules.roles import ROLES

CHANNELS = ("sms", "voice", "email", "webhook")
ROBOT_CHANNEL = re.compile(r"^robot:[a-z0-9_]{1,32}$")  # a group robot that @-mentions each one
# the instruction rungs' own keys (the relay and the 督办 notice): no ladder step may take them
RELAY_KEY, SUPERVISE_KEY = "relay", "supervise"
RESERVED_STEP_KEYS = frozenset({RELAY_KEY, SUPERVISE_KEY})
DEFAULT_REPEAT_LIMIT = 4  # repeats after a step's first firing: five messages, then the digest
DEFAULT_FALLBACK = ("office.duty_officer", "office.director")
DEFAULT_DIGEST_AT = time(8, 0)
ROLE_SCOPES = ("unit", "office")

# The keys each table may hold, one a line so adding one is a one-line change.
ESCALATION_KEYS = (
    "ack_pause",
    "unit",
    "office",
    "fallback",  # accepted here; read by the fallback-recipients change
    "digest_at",  # accepted here; read by the daily-digest change
    "instruction_unit",  # a unit's instruction clocks (K10, K11); else the unit ladder
    "instruction_office",  # the office's instruction clocks (K9, verification); else office
)
STEP_KEYS = (
    "key",
    "at",
    "notify",
    "channels",
    "repeat_every",
    "repeat_limit",  # accepted here; read by the repeat-limit change
    "label",  # optional: the rung's name in people-facing text, instead of its key
)
STEP_LABEL_MAX = 40
RECIPIENT_KEYS = (
    "target",
    "role",  # the older spelling of target
    "channels",
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
    label: str | None = None  # the rung's name for people (`到期督办`); None: said in words


@dataclass(frozen=True)
class Policy:
    """The ladders for a unit's obligations and for the office's, the acknowledgement pause, who
    is told when a rung's roles are vacant, and when the daily digest of spent ladders goes."""

    unit: tuple[Step, ...]
    office: tuple[Step, ...]
    ack_pause: timedelta
    fallback: tuple[Recipient, ...] = tuple(Recipient(t) for t in DEFAULT_FALLBACK)
    digest_at: time = DEFAULT_DIGEST_AT  # local time of day
    instruction_unit: tuple[Step, ...] = ()  # empty: instruction clocks climb the unit ladder
    instruction_office: tuple[Step, ...] = ()  # empty: … the office ladder

    def ladder(self, *, party: str, instruction: bool = False) -> tuple[Step, ...]:
        """The ladder of an obligation of `party` ("unit" or "office"); an instruction's clocks
        have their own ladders when configured."""
        if instruction:
            own = self.instruction_unit if party == "unit" else self.instruction_office
            if own:
                return own
        return self.unit if party == "unit" else self.office


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
    """Build the Policy from `[escalation]`; raise RulesetError naming every bad key."""
    found = Problems()
    if not isinstance(table, Mapping):
        found.add("escalation", "not_table")
        found.raise_any()
    found.check_keys(table, ESCALATION_KEYS, "escalation")
    pause = found.converted(table, "ack_pause", parse_duration, "escalation", "not_duration")
    fallback = table.get("fallback", list(DEFAULT_FALLBACK))
    if not isinstance(fallback, list):
        found.add("escalation.fallback", "not_list")
        fallback = []
    digest_at = found.optional(
        table, "digest_at", parse_time_of_day, "escalation", "not_time_of_day"
    )
    policy = Policy(
        _ladder(table, "unit", found),
        _ladder(table, "office", found),
        pause,
        tuple(_recipient(r, f"escalation.fallback[{i}]", found) for i, r in enumerate(fallback)),
        digest_at or DEFAULT_DIGEST_AT,
        _ladder(table, "instruction_unit", found) if "instruction_unit" in table else (),
        _ladder(table, "instruction_office", found) if "instruction_office" in table else (),
    )
    found.raise_any()
    return policy


def _ladder(table: Mapping[str, Any], name: str, found: Problems) -> tuple[Step, ...]:
    path = f"escalation.{name}"
    rows = table.get(name)
    if not isinstance(rows, list) or not rows:
        found.add(path, "empty_ladder")
        return ()
    before = len(found.found)
    steps = [_step(row, f"{path}[{i}]", found) for i, row in enumerate(rows)]
    keys = [s.key for s in steps if s is not None]
    if len(set(keys)) != len(keys):
        found.add(path, "duplicate_step_keys")
    if any(s is not None and s.repeat_every for s in steps[:-1]):
        found.add(path, "only_last_repeats")
    if len(found.found) > before:
        return ()
    return tuple(sorted((s for s in steps if s is not None), key=lambda s: s.offset))


def _step(row: Any, path: str, found: Problems) -> Step | None:
    if not isinstance(row, Mapping):
        found.add(path, "not_table")
        return None
    found.check_keys(row, STEP_KEYS, path)
    key = row.get("key", "")
    if not isinstance(key, str) or not key or "#" in key:
        found.add(f"{path}.key", "step_key")
    elif key in RESERVED_STEP_KEYS:
        found.add(f"{path}.key", "reserved_step_key", value=key)
    offset = found.converted(row, "at", _offset, path, "not_offset")
    repeat = found.optional(row, "repeat_every", parse_duration, path, "not_duration")
    if repeat is not None and repeat <= timedelta(0):
        found.add(f"{path}.repeat_every", "more_than_zero")
    limit = row.get("repeat_limit", DEFAULT_REPEAT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        found.add(f"{path}.repeat_limit", "at_least_zero")
        limit = DEFAULT_REPEAT_LIMIT
    channels = _channels(row.get("channels"), f"{path}.channels", found)
    notify = row.get("notify")
    if not isinstance(notify, list) or not notify:
        found.add(f"{path}.notify", "no_recipients")
        notify = []
    recipients = tuple(_recipient(r, f"{path}.notify[{i}]", found) for i, r in enumerate(notify))
    label = row.get("label")
    if label is not None and (
        not isinstance(label, str) or not label.strip() or len(label) > STEP_LABEL_MAX
    ):
        found.add(f"{path}.label", "step_label", limit=STEP_LABEL_MAX)
        label = None
    return Step(key, offset, recipients, channels, repeat, limit, label.strip() if label else None)


def _offset(value: Any) -> timedelta:
    if isinstance(value, str) and value.startswith("-"):
        return -parse_duration(value[1:])
    return parse_duration(value)


def _recipient(value: Any, path: str, found: Problems) -> Recipient:
    channels = None
    if isinstance(value, Mapping):
        found.check_keys(value, RECIPIENT_KEYS, path)
        target = value.get("target", value.get("role"))
        if "channels" in value:
            channels = _channels(value["channels"], join(path, "channels"), found)
    else:
        target = value
    if not isinstance(target, str) or not _valid_target(target):
        shown = f'"{target}"' if isinstance(target, str) else repr(target)
        found.add(path, "unknown_recipient", value=shown, roles=", ".join(ROLES))
    return Recipient(target, channels)


def _valid_target(target: str) -> bool:
    scope, _, rest = target.partition(".")
    if scope in ROLE_SCOPES and rest in ROLES:
        return True
    kind, _, name = target.partition(":")
    return kind in ("person", "webhook") and bool(name)


def _channels(value: Any, path: str, found: Problems) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(_is_channel(c) for c in value):
        found.add(path, "channels", choices=", ".join((*CHANNELS, "robot:NAME")))
        return ()
    return tuple(value)


def _is_channel(value: Any) -> bool:
    """sms, voice, email, webhook, or robot:NAME (alerts/config_robots.py checks NAME exists)."""
    return isinstance(value, str) and (value in CHANNELS or bool(ROBOT_CHANNEL.match(value)))
