"""消息 (Messages): every notification with its time, channel, recipient, subject, state in
words, attempts, last error and the message it was bundled into, its delivery history on demand;
filtered by channel, state, date range and text, a page at a time. A unit officer sees the
messages to people of their own unit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from alerts.dashboard.dates import form_day
from alerts.dashboard.pages.common import PageContext, page_context
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries.escalation import delivery_history
from alerts.storage.queries.messages import MessageSearch, count_messages, matching_messages
from notifiers.base import DeliveryState

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
CHANNELS = ("sms", "voice", "email", "webhook", "robot")  # webhook and robot: every NAME
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
        search = _search(ctx, filters)
        total = count_messages(ctx.session, search=search)
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(page, 1), pages)
        rows = matching_messages(
            ctx.session, search=search, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
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
        if params.get(name) and form_day(params[name]) is None
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


def _search(ctx: PageContext, filters: Filters) -> MessageSearch:
    """The filters as a search: dates are local calendar days, the last one included."""
    zone = ctx.services.settings.rules.timezone
    first, last = form_day(filters.first), form_day(filters.last)
    return MessageSearch(
        unit_id=None if ctx.viewer.sees_everything else ctx.viewer.unit.id,
        channel=filters.channel,
        state=filters.state,
        since=datetime.combine(first, time(), zone) if first else None,
        before=datetime.combine(last + timedelta(days=1), time(), zone) if last else None,
        notification_id=int(filters.id) if filters.id else None,
        text=filters.q,
    )
