"""批示列表 (Instructions): every leader instruction the viewer may see, the open ones (as on the
Now board) or all of them, closed ones included; for a unit officer those naming its unit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from alerts.dashboard.pages.common import page_context
from alerts.services import ServicesDep
from alerts.storage.queries import reporting_office
from alerts.storage.queries.instruction_listing import every_instruction, open_instructions

router = APIRouter(include_in_schema=False)
STATES = ("open", "all")


@router.get("/instructions", response_class=HTMLResponse)
async def instruction_list(
    request: Request, services: ServicesDep, state: str = "open"
) -> HTMLResponse:
    """The open instructions, or all of them."""
    state = state if state in STATES else "open"
    with page_context(request, services) as ctx:
        viewer = ctx.viewer
        office = reporting_office(ctx.session, unit=viewer.unit)
        unit_id = None if viewer.sees_everything else viewer.unit.id
        if state == "open":
            office_ids = [office.id] if office and unit_id is None else None
            lines = open_instructions(ctx.session, office_ids=office_ids, unit_id=unit_id)
        else:
            lines = [
                line
                for line in every_instruction(ctx.session, unit_id=unit_id)
                if unit_id is not None or (office and line.instruction.office_id == office.id)
            ]
        return ctx.pages.render(
            request,
            "instructions.html",
            viewer,
            now=services.clock.now(),
            state=state,
            states=STATES,
            lines=lines,
        )
