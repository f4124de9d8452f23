"""/api/v1/roster calendar feeds: the signed iCalendar links phones subscribe to, and the feeds
they fetch. The office's token makes links for every unit below it; a unit's token for itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field

from alerts.api.bounds import RowId
from alerts.api.deps import CallerDep
from alerts.api.errors import ApiError, FieldProblem, error_responses
from alerts.api.roster_access import In, acting_for
from alerts.api.roster_schemas import PersonCalendarLinkOut, UnitCalendarLinkOut
from alerts.roster.calendar import feed, person_events, unit_events, window
from alerts.services import ClockDep, RosterBookDep, ServicesDep, SessionDep
from alerts.storage import models as m

router = APIRouter(tags=["calendar"])


class CalendarLinkIn(In):
    """Whose feed: one person's (every unit they serve) or one unit's."""

    person_id: RowId | None = None
    unit: str | None = Field(default=None, min_length=1, max_length=64)


_FEED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "an iCalendar feed (RFC 5545)",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/api/v1/roster/calendar-links",
    responses=error_responses(401, 403, 413, 422),
)
async def make_calendar_link(
    body: CalendarLinkIn, session: SessionDep, caller: CallerDep, services: ServicesDep
) -> PersonCalendarLinkOut | UnitCalendarLinkOut:
    """The subscribable feed address of a person's or a unit's duty shifts."""
    if (body.person_id is None) == (body.unit is None):
        raise ApiError(422, "invalid", fields=[FieldProblem("person_id", "calendar_target")])
    links = services.calendar_links
    if body.person_id is not None:
        person = session.get(m.Person, body.person_id)
        if person is None:
            raise ApiError(422, "invalid", fields=[FieldProblem("person_id", "unknown_person")])
        owner = session.get(m.Unit, person.unit_id)
        acting_for(session, caller, owner.code if owner else None)
        url = links.url("person", person.id)
        return PersonCalendarLinkOut(person_id=person.id, url=url, webcal=_webcal(url))
    target = acting_for(session, caller, body.unit)
    url = links.url("unit", target.id)
    return UnitCalendarLinkOut(unit=target.code, url=url, webcal=_webcal(url))


def _webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


@router.get(
    "/api/v1/roster/calendar/{token}.ics",
    response_class=Response,
    responses={**_FEED, **error_responses(404, 422)},
)
async def get_calendar_feed(
    token: str, session: SessionDep, services: ServicesDep, book: RosterBookDep, clock: ClockDep
) -> Response:
    """The iCalendar feed a signed link names; 404 for a token that is not genuine. The link is
    the credential: calendar apps cannot send a bearer token."""
    found = services.calendar_links.read(token)
    if found is None:
        raise ApiError(404, "not_found")
    target, ident = found
    now, translate = clock.now(), services.translate
    start, end = window(now)
    row = session.get(m.Person if target == "person" else m.Unit, ident)
    if isinstance(row, m.Person):
        events = person_events(session, book=book, person=row, start=start, end=end)
        name = translate("roster_calendar.person_name", person=row.name)
    elif isinstance(row, m.Unit):
        events = unit_events(session, book=book, unit=row, start=start, end=end)
        name = translate("roster_calendar.unit_name", unit=row.name)
    else:
        raise ApiError(404, "not_found")
    body = feed(
        events,
        name=name,
        zone=services.settings.timezone,
        translate=translate,
        now=now,
        name_people=isinstance(row, m.Unit),
    )
    return Response(body, media_type="text/calendar; charset=utf-8")
