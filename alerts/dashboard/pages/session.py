"""Sign in, sign out, and the language switch."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from alerts.dashboard.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    SignInRefused,
    csrf_ok,
    sign_in,
    sign_out,
    viewer,
)
from alerts.dashboard.pages.common import Forbidden, get_pages
from alerts.dashboard.rendering import LANG_COOKIE
from alerts.i18n import LANGUAGES
from alerts.services import ServicesDep

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect."""
    parts = urlsplit(target or "/")
    return (
        target
        if target and not parts.scheme and not parts.netloc and target.startswith("/")
        else "/"
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, services: ServicesDep, next: str = "/") -> HTMLResponse:
    """The sign-in form, with a CSRF token bound to a cookie (double submit)."""
    return _form(request, services, next_path=_safe_next(next))


def _form(
    request: Request,
    services: ServicesDep,
    *,
    next_path: str,
    error: str | None = None,
    username: str = "",
    status: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = get_pages(request).render(
        request,
        "login.html",
        None,
        csrf_token=token,
        next=next_path,
        error=error,
        username=username,
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=services.settings.public_url.startswith("https"),
    )
    return response


@router.post("/login")
async def login(request: Request, services: ServicesDep) -> Response:
    """Check the form and start a session; the error is shown on the form again."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    next_path = _safe_next(form.get("next"))
    if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf_token")):
        return _form(request, services, next_path=next_path, error="form_expired", status=403)
    with services.session() as session:
        try:
            token = sign_in(
                session,
                username=form.get("username", ""),
                password=form.get("password", ""),
                now=services.clock.now(),
            )
        except SignInRefused as refused:
            session.commit()  # the failure count and any lock-out are kept
            return _form(
                request,
                services,
                next_path=next_path,
                error=refused.key,
                username=form.get("username", ""),
                status=401,
            )
        session.commit()
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        max_age=int(SESSION_LIFETIME.total_seconds()),
        secure=services.settings.public_url.startswith("https"),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, services: ServicesDep) -> Response:
    """End the session (the form carries the CSRF token)."""
    form = await request.form()
    with services.session() as session:
        found = viewer(session, request, services.clock.now())
        if found is not None:
            if not csrf_ok(found.csrf_token, str(form.get("csrf_token", ""))):
                raise Forbidden
            sign_out(session, request)
            session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{language}")
async def switch_language(language: str, next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response
