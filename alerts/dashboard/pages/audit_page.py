"""管理 · 配置审计 (Admin · Audit), for the admin role only: every recorded change to units,
people, tokens, users and rosters (alerts/audit.py), newest first, filtered by what was changed
and by local calendar days, a page at a time. A filter that is no filter (an unknown type, a date
that is no date, a range that ends before it starts, a page that is no number) is named on the
page, answered 422 and left out of the search."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from alerts.audit import CHANGED, ENTITIES
from alerts.dashboard.dates import form_day
from alerts.dashboard.pages.admin import NAV
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.i18n import Translator
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries.audit import ChangeSearch, count_changes, matching_changes

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
_DAY_ROLE = re.compile(r"(\d{4}-\d{2}-\d{2}) (\w+)")


@dataclass(frozen=True)
class Filters:
    """What the admin filtered by; empty strings filter nothing."""

    entity: str = ""
    first: str = ""
    last: str = ""

    def link(self, page: int) -> str:
        """These filters on another page, as a query string."""
        names = {"entity": self.entity, "from": self.first, "to": self.last}
        return urlencode({**{k: v for k, v in names.items() if v}, "page": page})


@dataclass(frozen=True)
class FieldChange:
    """One changed field in words: its label, and before and after (a secret: neither)."""

    label: str
    before: str
    after: str
    secret: bool = False


@router.get("/admin/audit", response_class=HTMLResponse)
async def audit_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """One page of recorded changes, newest first."""
    with page_context(request, services) as ctx:
        if not ctx.viewer.is_admin:
            raise Forbidden
        filters, page, errors = _filters(request)
        search = _search(ctx, filters)
        total = count_changes(ctx.session, search=search)
        pages = max(1, -(-total // PER_PAGE))
        page = min(page, pages)
        rows = matching_changes(
            ctx.session, search=search, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        t = ctx.pages.translators[ctx.pages.language(request)]
        return ctx.pages.render(
            request,
            "admin_audit.html",
            ctx.viewer,
            section="audit",
            sections=NAV,
            done=None,
            errors={},
            filter_errors=errors,
            filters=filters,
            entities=ENTITIES,
            rows=[(row, field_changes(row, t)) for row in rows],
            page=page,
            pages=pages,
            total=total,
            status=422 if errors else 200,
        )


def _filters(request: Request) -> tuple[Filters, int, dict[str, str]]:
    """The filters asked for and the page; each bad one named and dropped."""
    params, errors = request.query_params, {}
    entity = params.get("entity", "")
    if entity and entity not in ENTITIES:
        errors["entity"], entity = "ui_audit.entity_invalid", ""
    days = {}
    for name in ("from", "to"):
        text = params.get(name, "")
        days[name] = form_day(text)
        if text and days[name] is None:
            errors[name] = "ui_audit.date_invalid"
    first, last = days["from"], days["to"]
    if first and last and last < first:
        errors["to"], last = "ui_audit.range_reversed", None
    text = params.get("page", "1")
    page = int(text) if text.isdigit() and 0 < len(text) < 7 and int(text) > 0 else 0
    if not page:
        errors["page"], page = "ui_audit.page_invalid", 1
    filters = Filters(
        entity=entity,
        first=first.isoformat() if first else "",
        last=last.isoformat() if last else "",
    )
    return filters, page, errors


def _search(ctx: PageContext, filters: Filters) -> ChangeSearch:
    """The filters as a search: dates are local calendar days, the last one included."""
    zone = ctx.services.settings.rules.timezone
    first, last = form_day(filters.first), form_day(filters.last)
    return ChangeSearch(
        entity=filters.entity,
        since=datetime.combine(first, time(), zone) if first else None,
        before=datetime.combine(last + timedelta(days=1), time(), zone) if last else None,
    )


def field_changes(row: m.ConfigChange, t: Translator) -> list[FieldChange]:
    """A change's fields in words, in the order they were recorded."""
    shown = []
    for field, change in (row.changes or {}).items():
        label = _label(field, t)
        if change == CHANGED or not isinstance(change, dict):
            shown.append(FieldChange(label, "", "", secret=True))
            continue
        shown.append(
            FieldChange(label, _value(change.get("before"), t), _value(change.get("after"), t))
        )
    return shown


def _label(field: str, t: Translator) -> str:
    day_role = _DAY_ROLE.fullmatch(field)
    if day_role:
        return f"{day_role[1]} {t(f'role.{day_role[2]}')}"
    key = f"ui_audit.field_{field}"
    label = t(key)
    return field if label == key else label


def _value(value: Any, t: Translator) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t("ui_audit.yes" if value else "ui_audit.no")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
