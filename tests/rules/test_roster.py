"""The pure roster resolver: tables across midnight, week and holiday boundaries, then properties
(no instant uncovered when a pattern covers it; an override wins for exactly its span; the zone a
moment is written in does not matter; swaps move only the swapped person's time)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.roster import Assignment, Roster, Rotation, Swap, gaps, shifts, who_is_on

SHANGHAI = ZoneInfo("Asia/Shanghai")
US = 1e-6
NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8))


def cst(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A local moment in 2026, Asia/Shanghai."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


WEEKLY = Rotation(  # the county's duty officers, changing Mondays at 08:30
    "duty_officer", (1, 2, 3), "week", date(2026, 11, 2), (time(8, 30),)
)
DAILY = Rotation(  # a township's leaders on duty, changing every day at 08:30
    "leader_on_duty", (4, 5), "day", date(2026, 9, 28), (time(8, 30),), holiday_members=(9,)
)
DAY_NIGHT = Rotation(  # day and night shifts
    "duty_officer", (6, 7, 8), "shift", date(2026, 11, 1), (time(20, 30), time(8, 30))
)
MIDNIGHT = Rotation("duty_officer", (1, 2), "day", date(2026, 11, 1), (time(0, 0),))


@pytest.mark.parametrize(
    ("rotation", "at", "expected"),
    [
        (WEEKLY, cst(11, 2, 8, 29, 59), ()),  # before the first slot
        (WEEKLY, cst(11, 2, 8, 30), (1,)),
        (WEEKLY, cst(11, 8, 23, 59, 59), (1,)),  # Sunday night
        (WEEKLY, cst(11, 9, 0, 0), (1,)),  # Monday midnight: the week changes at 08:30
        (WEEKLY, cst(11, 9, 8, 29, 59), (1,)),
        (WEEKLY, cst(11, 9, 8, 30), (2,)),
        (WEEKLY, cst(11, 16, 8, 30), (3,)),
        (WEEKLY, cst(11, 23, 8, 30), (1,)),  # round again
        (WEEKLY, cst(12, 31, 23, 59), (3,)),  # year end, mid-week: Dec 28 is turn 8
        (WEEKLY, cst(1, 1, 0, 0).replace(year=2027), (3,)),
        (DAILY, cst(11, 1, 8, 30), (4,)),
        (DAILY, cst(11, 2, 0, 0), (4,)),  # after midnight still the day before's leader
        (DAILY, cst(11, 2, 8, 30), (5,)),
        (DAY_NIGHT, cst(11, 1, 8, 29), ()),
        (DAY_NIGHT, cst(11, 1, 8, 30), (6,)),
        (DAY_NIGHT, cst(11, 1, 20, 30), (7,)),
        (DAY_NIGHT, cst(11, 2, 0, 0), (7,)),  # the night shift runs through midnight
        (DAY_NIGHT, cst(11, 2, 8, 29, 59), (7,)),
        (DAY_NIGHT, cst(11, 2, 8, 30), (8,)),
        (DAY_NIGHT, cst(11, 2, 20, 30), (6,)),
        (MIDNIGHT, cst(11, 1, 23, 59, 59), (1,)),
        (MIDNIGHT, cst(11, 2, 0, 0), (2,)),
    ],
)
def test_rotations_change_at_their_local_time_not_at_midnight(
    rotation: Rotation, at: datetime, expected: tuple[int, ...]
) -> None:
    roster = Roster(rotations=(rotation,))
    assert who_is_on(roster, rotation.role, at, zone=SHANGHAI) == expected
    assert who_is_on(roster, rotation.role, at.astimezone(UTC), zone=SHANGHAI) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (cst(9, 30, 8, 30), (4,)),  # the eve of National Day: a normal day
        (cst(10, 1, 8, 29), (4,)),  # the holiday's first morning is still the eve's duty day
        (cst(10, 1, 8, 30), (9,)),  # holiday duty starts with the duty day
        (cst(10, 4, 3, 0), (9,)),
        (cst(10, 8, 8, 29), (9,)),  # the last holiday's duty runs to the next morning
        (cst(10, 8, 8, 30), (4,)),  # back to turns: day 10 of the rotation
        (cst(10, 9, 12, 0), (5,)),
        (cst(10, 10, 12, 0), (4,)),  # a moved workday (Saturday) is not in the holiday set
    ],
)
def test_holiday_members_take_slots_that_start_on_a_holiday(
    at: datetime, expected: tuple[int, ...]
) -> None:
    roster = Roster(rotations=(DAILY,))
    assert who_is_on(roster, "leader_on_duty", at, zone=SHANGHAI, holidays=NATIONAL_DAY) == expected


def test_a_weekly_slot_starting_on_a_holiday_is_the_holiday_members_whole_week() -> None:
    rotation = Rotation(
        "duty_officer", (1, 2), "week", date(2026, 9, 28), (time(8, 30),), holiday_members=(7,)
    )
    roster = Roster(rotations=(rotation,))
    holidays = frozenset({date(2026, 10, 5)})  # a Monday

    def on(at: datetime) -> tuple[int, ...]:
        return who_is_on(roster, "duty_officer", at, zone=SHANGHAI, holidays=holidays)

    assert (on(cst(10, 5, 8, 29)), on(cst(10, 5, 8, 30)), on(cst(10, 12, 8, 29))) == (
        (1,),
        (7,),
        (7,),
    )
    assert on(cst(10, 12, 8, 30)) == (1,)


def test_ends_on_is_the_last_day_a_slot_starts() -> None:
    rotation = Rotation(
        "leader_on_duty", (4, 5), "day", date(2026, 11, 1), (time(8, 30),), (), date(2026, 11, 3)
    )
    roster = Roster(rotations=(rotation,))
    assert who_is_on(roster, "leader_on_duty", cst(11, 4, 8, 29), zone=SHANGHAI) == (4,)
    assert who_is_on(roster, "leader_on_duty", cst(11, 4, 8, 30), zone=SHANGHAI) == ()


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (cst(11, 10, 11, 59, 59), (2,)),
        (cst(11, 10, 12, 0), (42,)),
        (cst(11, 10, 23, 59), (42,)),
        (cst(11, 11, 0, 0), (42,)),  # across midnight
        (cst(11, 11, 5, 59, 59), (42,)),
        (cst(11, 11, 6, 0), (2,)),
    ],
)
def test_an_override_replaces_the_rotation_for_exactly_its_span(
    at: datetime, expected: tuple[int, ...]
) -> None:
    override = Assignment("duty_officer", 42, cst(11, 10, 12), cst(11, 11, 6))
    roster = Roster(rotations=(WEEKLY,), assignments=(override,))
    assert who_is_on(roster, "duty_officer", at, zone=SHANGHAI) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (cst(11, 10, 8, 29), (30,)),  # the day before's import
        (cst(11, 10, 8, 30), (31,)),
        (cst(11, 10, 19, 59), (31,)),
        (cst(11, 10, 20, 0), (42,)),  # the override beats the import for its span
        (cst(11, 10, 23, 59), (42,)),
        (cst(11, 11, 0, 0), (31,)),
        (cst(11, 11, 8, 30), ()),  # no import for the 11th and no rotation: a gap
    ],
)
def test_an_override_wins_over_an_imported_day(at: datetime, expected: tuple[int, ...]) -> None:
    imports = (
        Assignment("duty_officer", 30, cst(11, 9, 8, 30), cst(11, 10, 8, 30), "import"),
        Assignment("duty_officer", 31, cst(11, 10, 8, 30), cst(11, 11, 8, 30), "import"),
    )
    override = Assignment("duty_officer", 42, cst(11, 10, 20), cst(11, 11, 0))
    for assignments in ((*imports, override), (override, *imports)):  # order does not matter
        roster = Roster(assignments=assignments)
        assert who_is_on(roster, "duty_officer", at, zone=SHANGHAI) == expected


@pytest.mark.parametrize("approved", [True, False])
def test_only_an_approved_swap_changes_who_is_on(approved: bool) -> None:
    swap = Swap("duty_officer", 2, 9, cst(11, 12, 8, 30), cst(11, 13, 8, 30), approved)
    roster = Roster(rotations=(WEEKLY,), swaps=(swap,))
    inside = who_is_on(roster, "duty_officer", cst(11, 12, 22), zone=SHANGHAI)
    assert inside == ((9,) if approved else (2,))
    assert who_is_on(roster, "duty_officer", cst(11, 13, 8, 30), zone=SHANGHAI) == (2,)
    found = shifts(roster, "duty_officer", cst(11, 12), cst(11, 14), zone=SHANGHAI)
    swapped = [s for s in found if s.source == "swap"]
    assert [(s.person, s.swapped_from) for s in swapped] == ([(9, 2)] if approved else [])


def test_a_swap_of_someone_not_on_duty_changes_nothing() -> None:
    swap = Swap("duty_officer", 3, 9, cst(11, 12), cst(11, 13), True)
    roster = Roster(rotations=(WEEKLY,), swaps=(swap,))
    assert who_is_on(roster, "duty_officer", cst(11, 12, 12), zone=SHANGHAI) == (2,)


def test_gaps_name_the_stretches_nobody_holds() -> None:
    roster = Roster(
        assignments=(
            Assignment("leader_on_duty", 4, cst(11, 20, 8, 30), cst(11, 21, 8, 30), "import"),
            Assignment("leader_on_duty", 5, cst(11, 22, 8, 30), cst(11, 23, 8, 30), "import"),
        )
    )
    found = gaps(roster, "leader_on_duty", cst(11, 20), cst(11, 24), zone=SHANGHAI)
    assert found == [
        (cst(11, 20), cst(11, 20, 8, 30)),
        (cst(11, 21, 8, 30), cst(11, 22, 8, 30)),  # Saturday: scenario 11's gap
        (cst(11, 23, 8, 30), cst(11, 24)),
    ]
    assert (
        gaps(Roster(rotations=(DAILY,)), "leader_on_duty", cst(11, 20), cst(11, 24), zone=SHANGHAI)
        == []
    )


def test_shifts_are_clipped_to_the_span_asked_for() -> None:
    found = shifts(
        Roster(rotations=(WEEKLY,)), "duty_officer", cst(11, 4), cst(11, 10), zone=SHANGHAI
    )
    assert [(s.person, s.starts_at, s.ends_at) for s in found] == [
        (1, cst(11, 4), cst(11, 9, 8, 30)),
        (2, cst(11, 9, 8, 30), cst(11, 10)),
    ]


# --- properties ----------------------------------------------------------------------------

FIXED_ZONES = st.sampled_from(
    [SHANGHAI, ZoneInfo("UTC"), ZoneInfo("Asia/Urumqi"), ZoneInfo("Asia/Kolkata")]
)
# zones that jump: a change time inside a jump may overlap the next slot (never leave a hole)
ZONES = FIXED_ZONES | st.sampled_from([ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")])
TIMES = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def rotations(draw: st.DrawFn) -> Rotation:
    """Any weekly, daily or shift rotation starting in late 2026."""
    cadence = draw(st.sampled_from(["week", "day", "shift"]))
    count = draw(st.integers(2, 3)) if cadence == "shift" else 1
    changes = draw(st.lists(TIMES, min_size=count, max_size=count, unique=True))
    return Rotation(
        "duty_officer",
        tuple(draw(st.lists(st.integers(1, 20), min_size=1, max_size=5))),
        cadence,  # type: ignore[arg-type]
        draw(st.dates(date(2026, 9, 1), date(2026, 12, 31))),
        tuple(changes),
        holiday_members=tuple(draw(st.lists(st.integers(21, 30), max_size=2))),
    )


def _first_slot(rotation: Rotation, zone: ZoneInfo) -> datetime:
    return datetime.combine(rotation.starts_on, min(rotation.changes_at), tzinfo=zone)


@st.composite
def windows(draw: st.DrawFn, rotation: Rotation, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A span starting at or after the rotation's first slot, up to five weeks long."""
    start = _first_slot(rotation, zone) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    length = timedelta(minutes=draw(st.integers(1, 60 * 24 * 35)))
    return start.astimezone(UTC), (start + length).astimezone(UTC)


HOLIDAYS = st.frozensets(st.dates(date(2026, 9, 1), date(2027, 3, 31)), max_size=20)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rotation=rotations(), zone=ZONES, holidays=HOLIDAYS)
def test_a_rotation_leaves_no_instant_uncovered(
    data: st.DataObject, rotation: Rotation, zone: ZoneInfo, holidays: frozenset[date]
) -> None:
    start, end = data.draw(windows(rotation, zone))
    roster = Roster(rotations=(rotation,))
    found = shifts(roster, "duty_officer", start, end, zone=zone, holidays=holidays)
    assert gaps(roster, "duty_officer", start, end, zone=zone, holidays=holidays) == []
    assert found[0].starts_at == start and max(s.ends_at for s in found) == end
    assert all(s.starts_at.astimezone(UTC) < s.ends_at.astimezone(UTC) for s in found)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rotation=rotations(), zone=FIXED_ZONES, holidays=HOLIDAYS)
def test_without_clock_jumps_a_rotation_tiles_time_with_one_holder(
    data: st.DataObject, rotation: Rotation, zone: ZoneInfo, holidays: frozenset[date]
) -> None:
    start, end = data.draw(windows(rotation, zone))
    roster = Roster(rotations=(rotation,))
    found = shifts(roster, "duty_officer", start, end, zone=zone, holidays=holidays)
    for before, after in itertools.pairwise(found):
        assert before.ends_at == after.starts_at  # no hole, no overlap
    probe = start + (end - start) * data.draw(st.floats(0, 0.999999))
    assert len(who_is_on(roster, "duty_officer", probe, zone=zone, holidays=holidays)) == 1


def test_change_times_inside_a_clock_jump_give_no_backwards_shift_and_no_hole() -> None:
    new_york = ZoneInfo("America/New_York")  # 2027-03-14 02:00 jumps to 03:00
    rotation = Rotation(
        "duty_officer", (1, 2, 3), "shift", date(2027, 3, 10), (time(2, 15), time(3))
    )
    roster = Roster(rotations=(rotation,))
    start = datetime(2027, 3, 13, tzinfo=new_york)
    end = datetime(2027, 3, 16, tzinfo=new_york)
    found = shifts(roster, "duty_officer", start, end, zone=new_york)
    assert all(s.starts_at.astimezone(UTC) < s.ends_at.astimezone(UTC) for s in found)
    assert gaps(roster, "duty_officer", start, end, zone=new_york) == []


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rotation=rotations(), zone=ZONES)
def test_an_override_wins_for_exactly_its_span(
    data: st.DataObject, rotation: Rotation, zone: ZoneInfo
) -> None:
    start, end = data.draw(windows(rotation, zone))
    cut_start = start + (end - start) * data.draw(st.floats(0, 0.9))
    cut_end = cut_start + timedelta(minutes=data.draw(st.integers(1, 60 * 24 * 10)))
    source = data.draw(st.sampled_from(["override", "import"]))
    override = Assignment("duty_officer", 99, cut_start, cut_end, source)
    plain = Roster(rotations=(rotation,))
    covered = Roster(rotations=(rotation,), assignments=(override,))
    tick = timedelta(microseconds=1)
    for at in (cut_start - tick, cut_start, cut_end - tick, cut_end, start, end - tick):
        expected = (
            (99,) if cut_start <= at < cut_end else who_is_on(plain, "duty_officer", at, zone=zone)
        )
        assert who_is_on(covered, "duty_officer", at, zone=zone) == expected


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rotation=rotations(), zone=ZONES, holidays=HOLIDAYS)
def test_the_zone_a_moment_is_written_in_does_not_matter(
    data: st.DataObject, rotation: Rotation, zone: ZoneInfo, holidays: frozenset[date]
) -> None:
    start, end = data.draw(windows(rotation, zone))
    roster = Roster(rotations=(rotation,))

    def instants(a: datetime, b: datetime) -> list[tuple[int, datetime, datetime, str]]:
        found = shifts(roster, "duty_officer", a, b, zone=zone, holidays=holidays)
        return [
            (s.person, s.starts_at.astimezone(UTC), s.ends_at.astimezone(UTC), s.source)
            for s in found
        ]

    other = data.draw(ZONES)
    assert instants(start, end) == instants(start.astimezone(other), end.astimezone(other))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rotation=rotations(), zone=ZONES)
def test_a_daily_duty_day_runs_through_local_midnight(
    data: st.DataObject, rotation: Rotation, zone: ZoneInfo
) -> None:
    if rotation.cadence != "day" or rotation.changes_at[0] == time(0, 0):
        return
    day = rotation.starts_on + timedelta(days=data.draw(st.integers(1, 60)))
    roster = Roster(rotations=(rotation,))
    midnight = datetime.combine(day, time(0, 0), tzinfo=zone)
    before = who_is_on(roster, "duty_officer", midnight - timedelta(microseconds=1), zone=zone)
    assert who_is_on(roster, "duty_officer", midnight, zone=zone) == before


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rotation=rotations(), zone=FIXED_ZONES)
def test_an_approved_swap_moves_only_the_swapped_persons_time(
    data: st.DataObject, rotation: Rotation, zone: ZoneInfo
) -> None:
    start, end = data.draw(windows(rotation, zone))
    swap_start = start + (end - start) * data.draw(st.floats(0, 0.9))
    swap_end = swap_start + timedelta(hours=data.draw(st.integers(1, 200)))
    from_person = data.draw(st.sampled_from(rotation.members))
    swap = Swap("duty_officer", from_person, 77, swap_start, swap_end, True)
    plain = Roster(rotations=(rotation,))
    swapped = Roster(rotations=(rotation,), swaps=(swap,))
    at = start + (end - start) * data.draw(st.floats(0, 0.999999))
    was = who_is_on(plain, "duty_officer", at, zone=zone)
    now = who_is_on(swapped, "duty_officer", at, zone=zone)
    moved = swap_start <= at < swap_end and was == (from_person,)
    assert now == ((77,) if moved else was)
