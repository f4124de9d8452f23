"""值班表 (Roster): a unit's week or month of duty days × roles with holidays and gaps marked,
the gaps of the next days across units, pending swaps to decide, open handovers to accept,
duty checks (查岗), and a month's roster file to upload (all or nothing, with its report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from alerts.api.roster_access import has_roster, person_names
from alerts.dashboard.board import visible_units
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.roster import actions as roster_actions
from alerts.roster.actions import RosterRefused
from alerts.roster.book import DUTY_ROLES
from alerts.roster.files import (
    MEDIA_TYPES,
    Format,
    column_label,
    day_span,
    export_roster,
    import_roster,
    month_days,
    parse_month,
    report,
)
from alerts.services import ServicesDep
from alerts.storage import models as m

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 2_000_000  # as the API's import: a month is a few KB
DONE = ("approved", "rejected", "accepted", "checked")
EDITORS = ("admin", "duty_room")  # any unit of the office; a unit officer edits its own


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


@router.get("/roster", response_class=HTMLResponse)
async def roster_page(
    request: Request,
    services: ServicesDep,
    unit: str | None = None,
    period: str = "week",
    on: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """The whole page."""
    with page_context(request, services) as ctx:
        return _page(ctx, unit, period, on, done=done if done in DONE else None)


@router.post("/roster/swaps/{swap_id}/{decision}")
async def decide_swap(
    swap_id: int, decision: str, request: Request, services: ServicesDep
) -> Response:
    """Approve or reject a swap: only a leader on duty now may."""
    with page_context(request, services) as ctx:
        await ctx.form()
        swap = ctx.session.get(m.SwapRequest, swap_id)
        if swap is None or decision not in ("approve", "reject") or not _sees(ctx, swap.unit_id):
            raise Forbidden
        try:
            roster_actions.decide_swap(
                ctx.session,
                ctx.roster,
                swap,
                approve=decision == "approve",
                person_id=ctx.viewer.user.person_id,
                now=services.clock.now(),
            )
        except RosterRefused as refused:
            return _refused(ctx, swap.unit_id, refused)
        ctx.session.commit()
        return _back(ctx, swap.unit_id, "approved" if decision == "approve" else "rejected")


@router.post("/roster/handovers/{handover_id}/accept")
async def accept_handover(handover_id: int, request: Request, services: ServicesDep) -> Response:
    """The incoming officer accepts the shift."""
    with page_context(request, services) as ctx:
        await ctx.form()
        handover = ctx.session.get(m.Handover, handover_id)
        if handover is None or not _sees(ctx, handover.unit_id):
            raise Forbidden
        try:
            roster_actions.act_on_handover(
                handover,
                action="accept",
                person_id=ctx.viewer.user.person_id,
                notes="",
                now=services.clock.now(),
            )
        except RosterRefused as refused:
            return _refused(ctx, handover.unit_id, refused)
        ctx.session.commit()
        return _back(ctx, handover.unit_id, "accepted")


@router.post("/roster/checks")
async def start_check(request: Request, services: ServicesDep) -> Response:
    """查岗: the office pings a unit's duty officer."""
    with page_context(request, services) as ctx:
        form = await ctx.form()
        unit = _unit(ctx, form.get("unit"))
        if unit is None or not _may_check(ctx, unit):
            raise Forbidden
        try:
            roster_actions.start_duty_check(
                ctx.session,
                services,
                book=ctx.roster,
                messages=ctx.services.messages,
                unit=unit,
                office=ctx.viewer.unit,
                voice=form.get("voice") == "1",
            )
        except RosterRefused as refused:
            return _refused(ctx, unit.id, refused)
        ctx.session.commit()
        services.wake()
        return _back(ctx, unit.id, "checked")


@router.post("/roster/upload", response_class=HTMLResponse)
async def upload(request: Request, services: ServicesDep) -> HTMLResponse:
    """Import a month's roster file, or import nothing and show what is wrong in it."""
    with page_context(request, services) as ctx:
        try:
            form = await ctx.form()
            data, filename = await _uploaded((await request.form()).get("file"))
            return _import(ctx, form, data, filename)
        finally:
            await (await request.form()).close()  # the spooled upload's temporary file


def _import(ctx: PageContext, form: dict[str, str], data: bytes, filename: str) -> HTMLResponse:
    unit = _unit(ctx, form.get("unit"))
    if unit is None or not _may_edit(ctx, unit):
        raise Forbidden
    month = parse_month(form.get("month"))
    errors = {
        k: v
        for k, v in (
            ("month", None if month else "ui_roster.month_invalid"),
            ("file", None if data else "ui_roster.file_missing"),
            ("file", "ui_roster.file_too_large" if len(data) > MAX_UPLOAD_BYTES else None),
        )
        if v
    }
    if errors or month is None:
        return _upload_page(ctx, unit, form, errors=errors, status=422)
    result = import_roster(
        ctx.session,
        settings=ctx.services.settings,
        unit=unit,
        month=month,
        data=data,
        note=f"dashboard {ctx.viewer.user.username} {filename}".strip(),
    )
    if result.checked.errors:
        ctx.session.rollback()
        return _upload_page(ctx, unit, form, result=result, status=422)
    ctx.session.commit()
    return _upload_page(ctx, unit, form, result=result)


async def _uploaded(part: object) -> tuple[bytes, str]:
    """The file's bytes (one more than the limit at most) and its name; empty when none."""
    if not isinstance(part, UploadFile):
        return b"", ""
    return await part.read(MAX_UPLOAD_BYTES + 1), part.filename or ""


@router.get("/roster/export")
async def export(
    request: Request, services: ServicesDep, unit: str, month: str, format: str = "csv"
) -> Response:
    """A unit's month in the import form, as CSV or XLSX."""
    with page_context(request, services) as ctx:
        target, first_day = _unit(ctx, unit), parse_month(month)
        if target is None or first_day is None or format not in MEDIA_TYPES:
            raise Forbidden
        kind: Format = "xlsx" if format == "xlsx" else "csv"
        body = export_roster(
            ctx.session, settings=services.settings, unit=target, month=first_day, fmt=kind
        )
        name = f"roster-{target.code}-{first_day:%Y-%m}.{kind}"
    return Response(
        body,
        media_type=MEDIA_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _page(
    ctx: PageContext,
    code: str | None,
    period: str,
    on: str | None,
    *,
    done: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    units = visible_units(ctx.session, ctx.viewer)
    unit = next((u for u in units if u.code == code), units[0])
    now = ctx.services.clock.now()
    today = _duty_day(ctx, now)
    first, days = _days(period, _date(on) or today)
    return ctx.pages.render(
        ctx.request,
        "roster.html",
        ctx.viewer,
        unit=unit,
        period="month" if period == "month" else "week",
        first=first,
        previous=first - timedelta(days=1 if period == "month" else 7),
        following=days[-1] + timedelta(days=1),
        has_roster=has_roster(ctx.session, unit),
        days=_rows(ctx, unit, days, today),
        roles=DUTY_ROLES,
        month=f"{first:%Y-%m}",
        now=now,
        done=done,
        error=error,
        status=status,
        **_across_units(ctx, units, now),
    )


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
        "checkable": [u for u in units if _may_check(ctx, u)],
        "editable": [u for u in units if _may_edit(ctx, u)],
        "accept_within": ctx.services.settings.roster.handover_accept_within,
        "errors": {},
    }


def _upload_page(
    ctx: PageContext,
    unit: m.Unit,
    form: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    result: Any = None,
    status: int = 200,
) -> HTMLResponse:
    translate = ctx.pages.translators[ctx.pages.language(ctx.request)]
    checked = result.checked if result is not None else None
    return ctx.pages.render(
        ctx.request,
        "roster_upload.html",
        ctx.viewer,
        unit=unit,
        editable=[u for u in visible_units(ctx.session, ctx.viewer) if _may_edit(ctx, u)],
        month=form.get("month", ""),
        errors=errors or {},
        result=result,
        problems=report(checked.errors, translate) if checked else [],
        column_label=lambda column: column_label(column, translate),
        warnings=report(checked.warnings, translate) if checked else [],
        status=status,
    )


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
    ids = {s.person for found in shifts.values() for s in found}
    people = {p.id: p for p in ctx.session.scalars(select(m.Person).where(m.Person.id.in_(ids)))}
    periods = ctx.session.scalars(
        select(m.SpecialPeriod).where(
            (m.SpecialPeriod.unit_id.is_(None)) | (m.SpecialPeriod.unit_id == unit.id),
            m.SpecialPeriod.starts_on <= days[-1],
            m.SpecialPeriod.ends_on >= days[0],
        )
    ).all()
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
        if has_roster(ctx.session, u)
        for role in settings.gap_roles
        for s, e in ctx.roster.gaps(
            ctx.session, unit_id=u.id, role=role, start=now, end=now + settings.gap_horizon
        )
    ]


def _swaps(ctx: PageContext, units: list[m.Unit], now: datetime) -> list[Choice]:
    by_id = {u.id: u for u in units}
    pending = ctx.session.scalars(
        select(m.SwapRequest)
        .where(m.SwapRequest.unit_id.in_(by_id), m.SwapRequest.state == "pending")
        .order_by(m.SwapRequest.starts_at)
    ).all()
    mine = ctx.viewer.user.person_id
    choices = []
    for swap in pending:
        deciders = roster_actions.swap_deciders(ctx.session, ctx.roster, by_id[swap.unit_id], now)
        allowed = mine is not None and mine in deciders
        why = "" if allowed else ("no_person" if mine is None else "not_leader_on_duty")
        choices.append(Choice(swap, by_id[swap.unit_id], allowed, why))
    return choices


def _handovers(ctx: PageContext, units: list[m.Unit]) -> list[Choice]:
    by_id = {u.id: u for u in units}
    open_ones = ctx.session.scalars(
        select(m.Handover)
        .where(m.Handover.unit_id.in_(by_id), m.Handover.accepted_at.is_(None))
        .order_by(m.Handover.shift_end_at.desc())
        .limit(50)
    ).all()
    mine = ctx.viewer.user.person_id
    choices = []
    for handover in open_ones:
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
    recent = ctx.session.scalars(
        select(m.DutyCheck)
        .where(m.DutyCheck.unit_id.in_([u.id for u in units]))
        .order_by(m.DutyCheck.asked_at.desc())
        .limit(20)
    )
    return [(check, _check_state(check, now)) for check in recent]


def _check_state(check: m.DutyCheck, now: datetime) -> str:
    """answered | answered_late | missed | waiting, in the words the page shows."""
    if check.answered_at is not None:
        return "answered" if check.answered_at <= check.due_at else "answered_late"
    return "missed" if now >= check.due_at else "waiting"


def _refused(ctx: PageContext, unit_id: int, refused: RosterRefused) -> HTMLResponse:
    ctx.session.rollback()
    unit = ctx.session.get(m.Unit, unit_id)
    code = unit.code if unit else None
    status = 409 if refused.code in ("already_decided", "nobody_on_duty") else 403
    return _page(ctx, code, "week", None, error=refused.code, status=status)


def _back(ctx: PageContext, unit_id: int, done: str) -> RedirectResponse:
    unit = ctx.session.get(m.Unit, unit_id)
    return RedirectResponse(f"/roster?unit={unit.code if unit else ''}&done={done}", 303)


def _unit(ctx: PageContext, code: str | None) -> m.Unit | None:
    return next((u for u in visible_units(ctx.session, ctx.viewer) if u.code == code), None)


def _sees(ctx: PageContext, unit_id: int) -> bool:
    return any(u.id == unit_id for u in visible_units(ctx.session, ctx.viewer))


def _may_edit(ctx: PageContext, unit: m.Unit) -> bool:
    role = ctx.viewer.user.role
    return role in EDITORS or (role == "unit_officer" and unit.id == ctx.viewer.unit.id)


def _may_check(ctx: PageContext, unit: m.Unit) -> bool:
    viewer = ctx.viewer
    return viewer.user.role in EDITORS and viewer.unit.is_office and unit.id != viewer.unit.id


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


def _date(text: str | None) -> date | None:
    """A date as 2026-11-21, between 2000 and 2100 (far dates would overflow the arithmetic)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and 2000 <= day.year <= 2100 else None
