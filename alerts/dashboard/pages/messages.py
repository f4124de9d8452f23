"""消息 (Messages): every notification with its time, channel, recipient, subject, state in
words, attempts, last error and the message it was bundled into, its delivery history on demand;
filtered by channel, state, date range and text, a page at a time. A unit officer sees the
messages to people of their own unit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, func, or_, select

from alerts.dashboard.pages.common import PageContext, page_context
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import delivery_history
from notifiers.base import DeliveryState

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
CHANNELS = ("sms", "voice", "email", "webhook")
STATES = tuple(s.value for s in DeliveryState)


@dataclass(frozen=True)
class Filters:
    """What the viewer filtered by; empty strings filter nothing."""

    channel: str = ""
    state: str = ""
    first: str = ""
    last: str = ""
    q: str = ""
    id: str = ""

    def link(self, page: int) -> str:
        """These filters on another page, as a query string."""
        params = {k: v for k, v in asdict(self).items() if v}
        return urlencode({**params, "page": page})


@router.get("/messages", response_class=HTMLResponse)
async def messages_page(request: Request, services: ServicesDep, page: int = 1) -> HTMLResponse:
    """One page of notifications, newest first."""
    with page_context(request, services) as ctx:
        filters, errors = _filters(request)
        query = _query(ctx, filters)
        total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(page, 1), pages)
        rows = ctx.session.execute(
            query.order_by(m.Notification.created_at.desc(), m.Notification.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        ).all()
        history: dict[int, list[m.NotificationEvent]] = {}
        for event in delivery_history(ctx.session, notification_ids=[n.id for n, _ in rows]):
            history.setdefault(event.notification_id, []).append(event)
        return ctx.pages.render(
            request,
            "messages.html",
            ctx.viewer,
            rows=rows,
            history=history,
            filters=filters,
            errors=errors,
            channels=CHANNELS,
            states=STATES,
            page=page,
            pages=pages,
            total=total,
            status=422 if errors else 200,
        )


def _filters(request: Request) -> tuple[Filters, dict[str, str]]:
    """The filters asked for; a date that is no date is named and dropped."""
    params = request.query_params
    channel, state = params.get("channel", ""), params.get("state", "")
    errors = {
        name: "ui_messages.date_invalid"
        for name in ("from", "to")
        if params.get(name) and _day(params[name]) is None
    }
    filters = Filters(
        channel=channel if channel in CHANNELS else "",
        state=state if state in STATES else "",
        first=params.get("from", "")[:10] if "from" not in errors else "",
        last=params.get("to", "")[:10] if "to" not in errors else "",
        q=params.get("q", "").strip()[:100],
        id=params.get("id", "") if params.get("id", "").isdigit() else "",
    )
    return filters, errors


def _query(ctx: PageContext, filters: Filters) -> Select[m.Notification, m.Person]:
    query = select(m.Notification, m.Person).outerjoin(
        m.Person, m.Person.id == m.Notification.person_id
    )
    if not ctx.viewer.sees_everything:
        query = query.where(m.Person.unit_id == ctx.viewer.unit.id)
    if filters.channel:
        query = query.where(m.Notification.channel == filters.channel)
    if filters.state:
        query = query.where(m.Notification.state == filters.state)
    zone = ctx.services.settings.rules.timezone
    if first := _day(filters.first):
        query = query.where(m.Notification.created_at >= datetime.combine(first, time(), zone))
    if last := _day(filters.last):
        end = datetime.combine(last + timedelta(days=1), time(), zone)
        query = query.where(m.Notification.created_at < end)
    if filters.id:
        query = query.where(m.Notification.id == int(filters.id))
    if filters.q:
        like = f"%{_escape(filters.q)}%"
        query = query.where(
            or_(
                *(
                    column.ilike(like, escape="\\")
                    for column in (
                        m.Notification.subject,
                        m.Notification.body,
                        m.Notification.address,
                        m.Notification.last_error,
                        m.Person.name,
                    )
                )
            )
        )
    return query


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day(text: str | None) -> date | None:
    """A date as 2026-11-21, between 2000 and 2100 (far dates would overflow the arithmetic)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and 2000 <= day.year <= 2100 else None
