"""What the roster page (值班表) shows: a unit's week or month of duty days × roles with holidays,
special periods and gaps marked, and across the units the viewer sees the gaps of the next days,
pending swaps, open handovers and recent duty checks, each with whether this viewer may act."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from alerts.dashboard.dates import form_day
from alerts.dashboard.pages.common import PageContext
from alerts.roster import actions as roster_actions
from alerts.roster.book import DUTY_ROLES
from alerts.roster.months import day_span, month_days
from alerts.storage import models as m
from alerts.storage.queries.roster import (
    has_roster,
    open_handovers,
    pending_swaps,
    people_by_id,
    person_names,
    recent_duty_checks,
    special_periods,
)

EDITORS = ("admin", "duty_room")  # any unit of the office; a unit officer edits its own
OPEN_HANDOVERS_SHOWN = 50
DUTY_CHECKS_SHOWN = 20


@dataclass(frozen=True)
class Holder:
    """Someone on duty for (part of) a duty day."""

    person: m.Person | None
    starts_at: datetime
    ends_at: datetime
    whole_day: bool
    swapped: bool


@dataclass(frozen=True)
class DayRow:
    """One duty day: its kind (workday, weekend, holiday, moved workday), who holds each role,
    and the stretches nobody holds a role that must be held."""

    day: date
    kind: str
    periods: tuple[str, ...]
    holders: dict[str, list[Holder]]
    gaps: dict[str, list[tuple[datetime, datetime, bool]]]  # within the day; whole day?
    today: bool


@dataclass(frozen=True)
class Choice:
    """A pending swap or an open handover, and whether this viewer may act on it (else why)."""

    row: Any
    unit: m.Unit
    allowed: bool
    why_not: str = ""
    items: tuple[dict[str, Any], ...] = ()  # a handover's open clocks


def page_values(
    ctx: PageContext, unit: m.Unit, units: list[m.Unit], period: str, on: str | None
) -> dict[str, Any]:
    """The template's values for `unit`'s week or month around the day `on` (default today)."""
    now = ctx.services.clock.now()
    today = _duty_day(ctx, now)
    shown = form_day(on) or today
    first, days = _days(period, shown)
    return {
        "unit": unit,
        "period": "month" if period == "month" else "week",
        "first": first,
        "previous": first - timedelta(days=1 if period == "month" else 7),
        "following": days[-1] + timedelta(days=1),
        "has_roster": has_roster(ctx.session, unit_id=unit.id),
        "days": _rows(ctx, unit, days, today),
        "roles": DUTY_ROLES,
        # the month to upload or export: the shown day's, not that of the Monday its week began
        "month": f"{(today if first <= today <= days[-1] else shown):%Y-%m}",
        "now": now,
        **_across_units(ctx, units, now),
    }


def may_edit(ctx: PageContext, unit: m.Unit) -> bool:
    """Whether the viewer may upload the unit's roster."""
    role = ctx.viewer.user.role
    return role in EDITORS or (role == "unit_officer" and unit.id == ctx.viewer.unit.id)


def may_check(ctx: PageContext, unit: m.Unit) -> bool:
    """Whether the viewer may start a duty check (查岗) of the unit."""
    viewer = ctx.viewer
    return viewer.user.role in EDITORS and viewer.unit.is_office and unit.id != viewer.unit.id


def _across_units(ctx: PageContext, units: list[m.Unit], now: datetime) -> dict[str, Any]:
    """What the page lists for every unit the viewer sees, and what the viewer may do."""
    return {
        "units": units,
        "upcoming": _upcoming_gaps(ctx, units, now),
        "swaps": _swaps(ctx, units, now),
        "handovers": _handovers(ctx, units),
        "checks": _checks(ctx, units, now),
        "names": person_names(ctx.session),
        "unit_names": {u.id: u.name for u in units},
        "checkable": [u for u in units if may_check(ctx, u)],
        "editable": [u for u in units if may_edit(ctx, u)],
        "accept_within": ctx.services.settings.roster.handover_accept_within,
        "errors": {},
    }


def _rows(ctx: PageContext, unit: m.Unit, days: list[date], today: date) -> list[DayRow]:
    settings, book = ctx.services.settings, ctx.roster
    start, end = day_span(settings, days[0])[0], day_span(settings, days[-1])[1]
    shifts = {
        role: book.shifts(ctx.session, unit_id=unit.id, role=role, start=start, end=end)
        for role in DUTY_ROLES
    }
    gaps = {
        role: book.gaps(ctx.session, unit_id=unit.id, role=role, start=start, end=end)
        for role in settings.roster.gap_roles
    }
    people = people_by_id(ctx.session, ids={s.person for found in shifts.values() for s in found})
    periods = special_periods(ctx.session, unit_id=unit.id, first=days[0], last=days[-1])
    rows = []
    for day in days:
        span = day_span(settings, day)
        rows.append(
            DayRow(
                day=day,
                kind=_kind(ctx, day),
                periods=tuple(p.name for p in periods if p.starts_on <= day <= p.ends_on),
                holders={r: _holders(found, span, people) for r, found in shifts.items()},
                gaps={r: _within(found, span) for r, found in gaps.items()},
                today=day == today,
            )
        )
    return rows


def _holders(
    found: list[Any], span: tuple[datetime, datetime], people: dict[int, m.Person]
) -> list[Holder]:
    return [
        Holder(
            people.get(s.person),
            max(s.starts_at, span[0]),
            min(s.ends_at, span[1]),
            s.starts_at <= span[0] and s.ends_at >= span[1],
            s.swapped_from is not None,
        )
        for s in found
        if s.starts_at < span[1] and s.ends_at > span[0]
    ]


def _within(
    gaps: list[tuple[datetime, datetime]], span: tuple[datetime, datetime]
) -> list[tuple[datetime, datetime, bool]]:
    """The gaps inside one duty day, clipped to it, and whether one is the whole day."""
    return [
        (max(s, span[0]), min(e, span[1]), s <= span[0] and e >= span[1])
        for s, e in gaps
        if s < span[1] and e > span[0]
    ]


def _kind(ctx: PageContext, day: date) -> str:
    off, weekend = ctx.roster.calendar.is_holiday(day), day.weekday() >= 5
    if off:
        return "weekend" if weekend else "holiday"
    return "moved_workday" if weekend else "workday"


def _upcoming_gaps(ctx: PageContext, units: list[m.Unit], now: datetime) -> list[dict[str, Any]]:
    settings = ctx.services.settings.roster
    return [
        {"unit": u, "role": role, "starts_at": s, "ends_at": e}
        for u in units
        if has_roster(ctx.session, unit_id=u.id)
        for role in settings.gap_roles
        for s, e in ctx.roster.gaps(
            ctx.session, unit_id=u.id, role=role, start=now, end=now + settings.gap_horizon
        )
    ]


def _swaps(ctx: PageContext, units: list[m.Unit], now: datetime) -> list[Choice]:
    by_id = {u.id: u for u in units}
    mine = ctx.viewer.user.person_id
    choices = []
    for swap in pending_swaps(ctx.session, unit_ids=by_id):
        deciders = roster_actions.swap_deciders(ctx.session, ctx.roster, by_id[swap.unit_id], now)
        allowed = mine is not None and mine in deciders
        why = "" if allowed else ("no_person" if mine is None else "not_leader_on_duty")
        choices.append(Choice(swap, by_id[swap.unit_id], allowed, why))
    return choices


def _handovers(ctx: PageContext, units: list[m.Unit]) -> list[Choice]:
    by_id = {u.id: u for u in units}
    mine = ctx.viewer.user.person_id
    choices = []
    for handover in open_handovers(ctx.session, unit_ids=by_id, limit=OPEN_HANDOVERS_SHOWN):
        allowed = mine is not None and mine == handover.incoming_person_id
        why = "" if allowed else ("no_person" if mine is None else "not_incoming")
        items = tuple(_item(i) for i in handover.items if isinstance(i, dict))
        choices.append(Choice(handover, by_id[handover.unit_id], allowed, why, items))
    return choices


def _item(item: dict[str, Any]) -> dict[str, Any]:
    """A handed-over clock with its due time as a moment (stored as ISO text)."""
    try:
        due = datetime.fromisoformat(str(item.get("due_at")))
    except ValueError:
        due = None
    return {**item, "due_at": due}


def _checks(ctx: PageContext, units: list[m.Unit], now: datetime) -> list[tuple[m.DutyCheck, str]]:
    recent = recent_duty_checks(
        ctx.session, unit_ids=[u.id for u in units], limit=DUTY_CHECKS_SHOWN
    )
    return [(check, _check_state(check, now)) for check in recent]


def _check_state(check: m.DutyCheck, now: datetime) -> str:
    """answered | answered_late | missed | waiting, in the words the page shows."""
    if check.answered_at is not None:
        return "answered" if check.answered_at <= check.due_at else "answered_late"
    return "missed" if now >= check.due_at else "waiting"


def _duty_day(ctx: PageContext, now: datetime) -> date:
    """The duty day `now` falls in: before the day's change time it is still yesterday's."""
    local = now.astimezone(ctx.services.settings.rules.timezone)
    starts: time = ctx.services.settings.roster.day_starts_at
    return local.date() - timedelta(days=1 if local.time() < starts else 0)


def _days(period: str, on: date) -> tuple[date, list[date]]:
    if period == "month":
        days = month_days(on.replace(day=1))
        return days[0], days
    monday = on - timedelta(days=on.weekday())
    return monday, [monday + timedelta(days=n) for n in range(7)]
