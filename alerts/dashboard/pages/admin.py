"""管理 (Admin), for the admin role only: units (with their parent), people (phone checked by
the filing webhook's rule), API tokens (shown once when issued, then only their label; revoking
one clears the API's caller cache so it stops working at once), and dashboard users with their
roles. A bad form is shown again with each field's problem and nothing is written. Every change
goes through alerts/directory.py, which audits it (the audit page is in audit_page.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import directory
from alerts.audit import dashboard_actor
from alerts.dashboard.auth import ROLES
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.phones import Phone
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import all_units, unit_by_code

router = APIRouter(include_in_schema=False)
SECTIONS = ("units", "people", "tokens", "users")
NAV = (*SECTIONS, "audit")  # the tabs: the audit page is audit_page.py
MIN_PASSWORD = 10
DONE = ("added", "revoked", "role_changed", "disabled", "enabled")
_PHONE = TypeAdapter(Phone)
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Errors = dict[str, str]  # field name: catalogue key
Row = TypeVar("Row", bound=m.Base)


@router.get("/admin")
async def admin_home() -> Response:
    """The first section."""
    return RedirectResponse("/admin/units", status_code=303)


@router.get("/admin/{section}", response_class=HTMLResponse)
async def admin_section(
    section: str, request: Request, services: ServicesDep, done: str = ""
) -> HTMLResponse:
    """A list and its add form."""
    with page_context(request, services) as ctx:
        _admin_only(ctx)
        if section not in SECTIONS:
            raise Forbidden
        return _section(ctx, section, done=done if done in DONE else None)


@router.post("/admin/units", response_class=HTMLResponse)
async def add_unit_form(request: Request, services: ServicesDep) -> Response:
    """Add a unit under a parent."""
    with page_context(request, services) as ctx:
        form = await _admin_form(ctx)
        errors = _required(form, ("code", "name"))
        code, parent = form.get("code", "").strip(), None
        if code and not _CODE.fullmatch(code):
            errors["code"] = "ui_admin.bad_code"
        elif code and unit_by_code(ctx.session, code=code):
            errors["code"] = "ui_admin.code_taken"
        if form.get("parent"):
            parent = ctx.session.get(m.Unit, _int(form["parent"]))
            if parent is None:
                errors["parent"] = "ui_admin.unknown_choice"
        _too_long(form, errors, name=200)
        if errors:
            return _section(ctx, "units", form=form, errors=errors)
        directory.create_unit(
            ctx.session,
            actor=_actor(ctx),
            now=services.clock.now(),
            code=code,
            name=form["name"].strip(),
            parent=parent,
            is_office=False,
        )
        ctx.session.commit()
        return _done("units", "added")


@router.post("/admin/people", response_class=HTMLResponse)
async def add_person(request: Request, services: ServicesDep) -> Response:
    """Add a person to a unit."""
    with page_context(request, services) as ctx:
        form = await _admin_form(ctx)
        errors = _required(form, ("unit", "name"))
        unit = ctx.session.get(m.Unit, _int(form.get("unit", "")))
        if form.get("unit") and unit is None:
            errors["unit"] = "ui_admin.unknown_choice"
        phone, email = form.get("phone", "").strip(), form.get("email", "").strip()
        if phone and not _is_phone(phone):
            errors["phone"] = "problem.phone"
        if email and not _EMAIL.fullmatch(email):
            errors["email"] = "ui_admin.bad_email"
        if not phone and not email:
            errors["phone"] = "ui_admin.phone_or_email"
        _too_long(form, errors, name=100, post=100, email=200)
        if errors or unit is None:
            return _section(ctx, "people", form=form, errors=errors)
        directory.create_person(
            ctx.session,
            actor=_actor(ctx),
            now=services.clock.now(),
            unit=unit,
            name=form["name"].strip(),
            post=form.get("post", "").strip(),
            phone=phone.replace(" ", "") or None,
            email=email or None,
        )
        ctx.session.commit()
        return _done("people", "added")


@router.post("/admin/tokens", response_class=HTMLResponse)
async def issue_token(request: Request, services: ServicesDep) -> HTMLResponse:
    """Issue a token for a unit and show it, this once."""
    with page_context(request, services) as ctx:
        form = await _admin_form(ctx)
        errors = _required(form, ("unit", "label"))
        unit = ctx.session.get(m.Unit, _int(form.get("unit", "")))
        if form.get("unit") and unit is None:
            errors["unit"] = "ui_admin.unknown_choice"
        _too_long(form, errors, label=200)
        if errors or unit is None:
            return _section(ctx, "tokens", form=form, errors=errors)
        label = form["label"].strip()
        token = directory.issue_token(
            ctx.session, actor=_actor(ctx), now=services.clock.now(), unit=unit, label=label
        )
        ctx.session.commit()
        page = ctx.pages.render(
            request, "admin_token.html", ctx.viewer, token=token, unit=unit, label=label
        )
        page.headers["Cache-Control"] = "no-store"  # the one place the token exists
        return page


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(token_id: int, request: Request, services: ServicesDep) -> Response:
    """Revoke a token; the API refuses it from the next request on."""
    with page_context(request, services) as ctx:
        await _admin_form(ctx)
        row = ctx.session.get(m.UnitToken, token_id)
        if row is None:
            raise Forbidden
        now = services.clock.now()
        if directory.revoke_token(ctx.session, actor=_actor(ctx), now=now, token=row):
            ctx.session.commit()
        services.callers.clear()
        return _done("tokens", "revoked")


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, services: ServicesDep) -> Response:
    """Add a dashboard user with a role, a unit and (for approvals) the person they are."""
    with page_context(request, services) as ctx:
        form = await _admin_form(ctx)
        errors = _user_errors(ctx, form)
        if errors:
            return _section(ctx, "users", form=form, errors=errors)
        unit = ctx.session.get(m.Unit, _int(form["unit"]))
        assert unit is not None  # _user_errors checked it
        directory.create_user(
            ctx.session,
            actor=_actor(ctx),
            now=services.clock.now(),
            username=form["username"].strip(),
            display_name=form["display_name"].strip(),
            password=form["password"],
            role=form["role"],
            unit=unit,
            person_id=_int(form["person"]) if form.get("person") else None,
        )
        ctx.session.commit()
        return _done("users", "added")


@router.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
async def change_user(
    user_id: int, action: str, request: Request, services: ServicesDep
) -> Response:
    """Change a user's role, or disable or enable the account (never one's own)."""
    with page_context(request, services) as ctx:
        form = await _admin_form(ctx)
        user = ctx.session.get(m.User, user_id)
        if user is None or action not in ("role", "disable", "enable"):
            raise Forbidden
        if user.id == ctx.viewer.user.id:
            return _section(ctx, "users", errors={"user": "ui_admin.not_yourself"})
        now = services.clock.now()
        if action == "role":
            if form.get("role") not in ROLES:
                return _section(ctx, "users", errors={"user": "ui_admin.unknown_choice"})
            directory.change_role(
                ctx.session, actor=_actor(ctx), now=now, user=user, role=form["role"]
            )
        else:
            disabled = action == "disable"
            directory.set_disabled(
                ctx.session, actor=_actor(ctx), now=now, user=user, disabled=disabled
            )
        ctx.session.commit()
        done = "role_changed" if action == "role" else f"{action}d"
        return _done("users", done)


def _user_errors(ctx: PageContext, form: dict[str, str]) -> Errors:
    errors = _required(form, ("username", "display_name", "password", "role", "unit"))
    username = form.get("username", "").strip()
    if username and not _USERNAME.fullmatch(username):
        errors["username"] = "ui_admin.bad_username"
    elif username and ctx.session.scalar(select(m.User.id).where(m.User.username == username)):
        errors["username"] = "ui_admin.username_taken"
    if form.get("password") and len(form["password"]) < MIN_PASSWORD:
        errors["password"] = "ui_admin.password_short"
    if form.get("role") and form["role"] not in ROLES:
        errors["role"] = "ui_admin.unknown_choice"
    if form.get("unit") and ctx.session.get(m.Unit, _int(form["unit"])) is None:
        errors["unit"] = "ui_admin.unknown_choice"
    if form.get("person") and ctx.session.get(m.Person, _int(form["person"])) is None:
        errors["person"] = "ui_admin.unknown_choice"
    _too_long(form, errors, display_name=100)
    return errors


def _section(
    ctx: PageContext,
    section: str,
    *,
    form: dict[str, str] | None = None,
    errors: Errors | None = None,
    done: str | None = None,
) -> HTMLResponse:
    session = ctx.session
    units = all_units(session)
    people = _all(session, m.Person, m.Person.unit_id, m.Person.name)
    names = {u.id: u.name for u in units}
    t = ctx.pages.translators[ctx.pages.language(ctx.request)]
    return ctx.pages.render(
        ctx.request,
        f"admin_{section}.html",
        ctx.viewer,
        section=section,
        sections=NAV,
        units=units,
        unit_names=names,
        people=people,
        person_names={p.id: p.name for p in people},
        tokens=_all(session, m.UnitToken, m.UnitToken.revoked_at.is_not(None), m.UnitToken.id),
        users=_all(session, m.User, m.User.username),
        unit_options=[(u.id, u.name) for u in units],
        person_options=[(p.id, f"{p.name} · {names.get(p.unit_id, '')}") for p in people],
        role_options=[(r, t(f"ui_admin.role_{r}")) for r in ROLES],
        form={k: v for k, v in (form or {}).items() if k != "password"},
        errors=errors or {},
        done=done,
        status=422 if errors else 200,
    )


def _all(session: Session, model: type[Row], *order: Any) -> Sequence[Row]:
    return session.scalars(select(model).order_by(*order)).all()


def _actor(ctx: PageContext) -> str:
    return dashboard_actor(ctx.viewer.user.username)


def _admin_only(ctx: PageContext) -> None:
    if not ctx.viewer.is_admin:
        raise Forbidden


async def _admin_form(ctx: PageContext) -> dict[str, str]:
    _admin_only(ctx)
    return await ctx.form()


def _required(form: dict[str, str], names: tuple[str, ...]) -> Errors:
    return {name: "problem.required" for name in names if not form.get(name, "").strip()}


def _too_long(form: dict[str, str], errors: Errors, **limits: int) -> None:
    for name, limit in limits.items():
        if len(form.get(name, "").strip()) > limit and name not in errors:
            errors[name] = f"ui_admin.too_long_{limit}"


def _is_phone(text: str) -> bool:
    try:
        _PHONE.validate_python(text)
    except ValidationError:
        return False
    return True


def _int(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def _done(section: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/{section}?done={what}", status_code=303)
