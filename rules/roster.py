"""Who is on duty: rotations, one-off assignments and approved swaps, resolved for any span.

Pure: plain data, a time zone and a set of holidays in; shifts out. Precedence, from the bottom:
a rotation's slot; an imported assignment replaces the rotation for exactly its span; an
override replaces both for exactly its span; an approved swap hands a person's time, inside its
span, to another person. An unapproved swap changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Cadence = Literal["week", "day", "shift"]


@dataclass(frozen=True)
class Rotation:
    """Members take turns: one per week (changing on `starts_on`'s weekday), per day, or per
    shift (several change times a day, e.g. day and night)."""

    role: str
    members: tuple[int, ...]
    cadence: Cadence
    starts_on: date  # local date of the first slot
    changes_at: tuple[time, ...]  # local times a slot changes; several only for "shift"
    holiday_members: tuple[int, ...] = ()  # take turns instead on slots starting on a holiday
    ends_on: date | None = None  # last local date a slot may start on


@dataclass(frozen=True)
class Assignment:
    """Someone explicitly on duty from `starts_at` to `ends_at` (an import or an override)."""

    role: str
    person: int
    starts_at: datetime
    ends_at: datetime
    source: str = "override"


@dataclass(frozen=True)
class Swap:
    """`to_person` takes `from_person`'s duty inside the span, once approved."""

    role: str
    from_person: int
    to_person: int
    starts_at: datetime
    ends_at: datetime
    approved: bool


@dataclass(frozen=True)
class Roster:
    """One unit's roster as data."""

    rotations: tuple[Rotation, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    swaps: tuple[Swap, ...] = ()


@dataclass(frozen=True)
class Shift:
    """A stretch of time one person holds a role, and why."""

    role: str
    person: int
    starts_at: datetime
    ends_at: datetime
    source: str  # rotation | holiday | import | override | swap
    swapped_from: int | None = None


def shifts(
    roster: Roster,
    role: str,
    start: datetime,
    end: datetime,
    *,
    zone: ZoneInfo,
    holidays: frozenset[date] = frozenset(),
) -> list[Shift]:
    """Every shift of `role` overlapping [start, end), clipped to it, in time order."""
    pieces = [
        s
        for rotation in roster.rotations
        if rotation.role == role
        for s in _rotation_shifts(rotation, start, end, zone, holidays)
    ]
    explicit = [
        a for a in roster.assignments if a.role == role and a.starts_at < end and a.ends_at > start
    ]
    # imports lie over the rotation, overrides over both: a one-off change to an imported day
    # must replace that day's person for its span, not page both
    for layer in (
        [a for a in explicit if a.source != "override"],
        [a for a in explicit if a.source == "override"],
    ):
        for assignment in layer:
            pieces = [
                rest
                for piece in pieces
                for rest in _without(piece, assignment.starts_at, assignment.ends_at)
            ]
        pieces += [
            Shift(role, a.person, max(a.starts_at, start), min(a.ends_at, end), a.source)
            for a in layer
        ]
    for swap in (s for s in roster.swaps if s.role == role and s.approved):
        pieces = [part for piece in pieces for part in _swapped(piece, swap)]
    return sorted(pieces, key=lambda s: (s.starts_at, s.person))


def who_is_on(
    roster: Roster,
    role: str,
    at: datetime,
    *,
    zone: ZoneInfo,
    holidays: frozenset[date] = frozenset(),
) -> tuple[int, ...]:
    """The people holding `role` at `at`."""
    found = shifts(roster, role, at, at + timedelta(microseconds=1), zone=zone, holidays=holidays)
    return tuple(dict.fromkeys(s.person for s in found))


def gaps(
    roster: Roster,
    role: str,
    start: datetime,
    end: datetime,
    *,
    zone: ZoneInfo,
    holidays: frozenset[date] = frozenset(),
) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) when nobody holds `role`."""
    found, cursor = [], start
    for shift in shifts(roster, role, start, end, zone=zone, holidays=holidays):
        if shift.starts_at > cursor:
            found.append((cursor, shift.starts_at))
        cursor = max(cursor, shift.ends_at)
    if cursor < end:
        found.append((cursor, end))
    return found


def _rotation_shifts(
    rotation: Rotation, start: datetime, end: datetime, zone: ZoneInfo, holidays: frozenset[date]
) -> Iterable[Shift]:
    if not rotation.members:
        return
    for index, slot_start, slot_end, first_day in _slots(rotation, start, end, zone):
        # slot_end <= slot_start: two change times inside one daylight-saving jump; skip it
        if slot_end <= start or slot_start >= end or slot_end <= slot_start:
            continue
        members, source = rotation.members, "rotation"
        if rotation.holiday_members and first_day in holidays:
            members, source = rotation.holiday_members, "holiday"
        yield Shift(
            rotation.role,
            members[index % len(members)],
            max(slot_start, start),
            min(slot_end, end),
            source,
        )


def _slots(
    rotation: Rotation, start: datetime, end: datetime, zone: ZoneInfo
) -> Iterable[tuple[int, datetime, datetime, date]]:
    """(turn number, start, end, local day it starts on) of each slot that may overlap."""
    first = max(rotation.starts_on, start.astimezone(zone).date() - timedelta(days=8))
    last = end.astimezone(zone).date() + timedelta(days=1)
    if rotation.ends_on is not None:
        last = min(last, rotation.ends_on)
    times = sorted(rotation.changes_at)
    day = first
    while day <= last:
        offset = (day - rotation.starts_on).days
        if rotation.cadence == "shift":
            for i, at in enumerate(times):
                following = times[i + 1] if i + 1 < len(times) else None
                end_day = day if following else day + timedelta(days=1)
                yield (
                    offset * len(times) + i,
                    _local(day, at, zone),
                    _local(end_day, following or times[0], zone),
                    day,
                )
        elif rotation.cadence == "day" or offset % 7 == 0:
            length = 1 if rotation.cadence == "day" else 7
            index = offset if rotation.cadence == "day" else offset // 7
            yield (
                index,
                _local(day, times[0], zone),
                _local(day + timedelta(days=length), times[0], zone),
                day,
            )
        day += timedelta(days=1)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    # as UTC: aware datetimes sharing one tzinfo compare by wall clock, wrong across a DST jump
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _without(piece: Shift, cut_start: datetime, cut_end: datetime) -> list[Shift]:
    if cut_end <= piece.starts_at or cut_start >= piece.ends_at:
        return [piece]
    kept = []
    if piece.starts_at < cut_start:
        kept.append(_span(piece, piece.starts_at, cut_start))
    if cut_end < piece.ends_at:
        kept.append(_span(piece, cut_end, piece.ends_at))
    return kept


def _swapped(piece: Shift, swap: Swap) -> list[Shift]:
    if (
        piece.person != swap.from_person
        or swap.ends_at <= piece.starts_at
        or swap.starts_at >= piece.ends_at
    ):
        return [piece]
    inside_start, inside_end = (
        max(piece.starts_at, swap.starts_at),
        min(piece.ends_at, swap.ends_at),
    )
    taken = Shift(piece.role, swap.to_person, inside_start, inside_end, "swap", swap.from_person)
    return [*_without(piece, inside_start, inside_end), taken]


def _span(piece: Shift, start: datetime, end: datetime) -> Shift:
    return Shift(piece.role, piece.person, start, end, piece.source, piece.swapped_from)
