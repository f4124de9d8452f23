"""Mount the dashboard on the app: page routers, static files, and how sign-in and permission
failures are answered (a redirect to /login, a 403 page)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from alerts.dashboard.pages import (
    admin,
    audit_page,
    bulletins,
    findings,
    incident_list,
    incidents,
    instruction_list,
    instructions,
    messages,
    notices,
    now,
    records,
    roster_page,
    session,
    upward,
)
from alerts.dashboard.pages.common import Forbidden, SignInNeeded, sign_in_redirect
from alerts.dashboard.rendering import Pages

STATIC = Path(__file__).parent / "static"
PAGE_ROUTERS = [
    session.router,
    now.router,
    roster_page.router,
    incident_list.router,
    incidents.router,
    upward.router,
    instruction_list.router,
    findings.router,
    instructions.router,
    records.router,
    bulletins.router,
    notices.router,
    messages.router,
    audit_page.router,  # before admin's /admin/{section}
    admin.router,
]


def install_dashboard(app: FastAPI, pages: Pages) -> None:
    """Add every page, the static files and the error answers; pages render with `pages`."""
    app.state.pages = pages  # read by get_pages alone
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)

    async def on_sign_in_needed(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        return sign_in_redirect(exc.next_path)

    async def on_forbidden(request: Request, _: Exception) -> Response:
        return pages.render(request, "forbidden.html", None, status=403)

    app.add_exception_handler(SignInNeeded, on_sign_in_needed)
    app.add_exception_handler(Forbidden, on_forbidden)
