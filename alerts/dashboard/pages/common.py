"""What every dashboard page needs: the signed-in viewer (or a redirect to sign in), CSRF checks
on forms, and the shared rendering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from alerts.dashboard.auth import Viewer, csrf_ok, viewer
from alerts.dashboard.rendering import Pages
from alerts.roster.book import RosterBook
from alerts.services import Services


class SignInNeeded(Exception):
    """Raised by `page_context` when nobody is signed in; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """The viewer may not see or do this; answered with a 403 page."""


@dataclass
class PageContext:
    """A signed-in request's session, viewer and helpers."""

    request: Request
    services: Services
    session: Session
    viewer: Viewer

    @property
    def pages(self) -> Pages:
        """The renderer."""
        return get_pages(self.request)

    @property
    def roster(self) -> RosterBook:
        """The roster reader."""
        return self.services.roster

    async def form(self) -> dict[str, str]:
        """The posted form, after checking its CSRF token (Forbidden otherwise)."""
        form = {k: str(v) for k, v in (await self.request.form()).items()}
        if not csrf_ok(self.viewer.csrf_token, form.get("csrf_token")):
            raise Forbidden
        return form


def get_pages(request: Request) -> Pages:
    """The dashboard's renderer, which install_dashboard put on the app (Services must not know
    the dashboard, so the renderer is not one of them); the one reader of `app.state.pages`."""
    pages: Pages = request.app.state.pages
    return pages


@contextmanager
def page_context(request: Request, services: Services) -> Iterator[PageContext]:
    """Open a session and find the viewer; SignInNeeded when there is none."""
    with services.session() as session:
        found = viewer(session, request, services.clock.now())
        if found is None:
            raise SignInNeeded(request.url.path)
        yield PageContext(request, services, session, found)


def sign_in_redirect(next_path: str) -> RedirectResponse:
    """Where an anonymous request goes."""
    return RedirectResponse(f"/login?next={quote(next_path)}", status_code=303)
