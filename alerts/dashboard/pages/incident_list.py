"""事件列表 (Incidents): every incident the viewer may see, by state — open (the Now board's),
closed by their final report and awaiting archiving, archived, or all — newest first, a page at a
time. The one way to reach an incident once it has left the Now board."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from alerts.dashboard.pages.common import page_context
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import reporting_office

router = APIRouter(include_in_schema=False)
STATES = ("open", "closed", "archived", "all")
CLOSED = ("closed", "archived")
PAGE = 50


@router.get("/incidents", response_class=HTMLResponse)
async def incident_list(
    request: Request, services: ServicesDep, state: str = "closed", page: str = "1"
) -> HTMLResponse:
    """The viewer's incidents in one state, 50 a page."""
    state = state if state in STATES else "closed"
    number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    with page_context(request, services) as ctx:
        viewer = ctx.viewer
        query = select(m.Incident)
        if viewer.sees_everything:
            office = reporting_office(ctx.session, unit=viewer.unit)
            query = query.where(m.Incident.office_id == (office.id if office else -1))
        else:
            query = query.where(m.Incident.unit_id == viewer.unit.id)
        if state == "open":
            query = query.where(m.Incident.state.not_in(CLOSED))
        elif state != "all":
            query = query.where(m.Incident.state == state)
        total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        incidents = ctx.session.scalars(
            query.order_by(m.Incident.occurred_at.desc(), m.Incident.id.desc())
            .limit(PAGE)
            .offset((number - 1) * PAGE)
        ).all()
        names = {
            unit_id: name for unit_id, name in ctx.session.execute(select(m.Unit.id, m.Unit.name))
        }
        return ctx.pages.render(
            request,
            "incidents.html",
            viewer,
            state=state,
            states=STATES,
            incidents=incidents,
            names=names,
            page=number,
            pages=max(1, -(-total // PAGE)),
            total=total,
        )
