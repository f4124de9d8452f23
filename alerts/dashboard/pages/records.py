"""报送记录 (Records): per unit and period, incidents filed, obligations on time, late (with
minutes), missed, after chasing, under-graded, chain breaches, overdue follow-ups, overdue
instruction feedback, duty checks missed and the score of docs/rules.md (rules/compliance.py);
every count is the field of the record the score is computed from. Sortable on the server by any
column, and exported as CSV or XLSX with the same columns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from alerts.dashboard.board import visible_units
from alerts.dashboard.charts import count_chart, trend_chart
from alerts.dashboard.dates import form_day
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.i18n import Translator
from alerts.records.unit_records import Row, county_by_month, unit_records
from alerts.services import ServicesDep
from alerts.spreadsheets import csv_bytes, xlsx_bytes
from rules import compliance as c

router = APIRouter(include_in_schema=False)
COLUMNS = (
    "unit",
    "score",
    "incidents",
    "on_time",
    "late",
    "late_minutes",
    "missed",
    "missed_candidates",
    "after_chasing",
    "under_graded",
    "chain_breaches",
    "overdue_followups",
    "overdue_feedback",
    "concealed",
    "concealment_candidates",
    "duty_checks_missed",
)
TREND_MONTHS = 12
PERIODS = ("this_month", "last_month", "this_quarter", "custom")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Query:
    """What the viewer asked for: a period (custom: `first`..`last`, inclusive), a sort."""

    period: str = "this_month"
    first: str = ""
    last: str = ""
    sort: str = ""  # no column: the units in the office's order
    descending: bool = False

    def link(self, **changes: Any) -> str:
        """This query with some parameters changed, as a query string."""
        params = {**asdict(self), **changes}
        return (
            f"period={params['period']}&from={params['first']}&to={params['last']}"
            f"&sort={params['sort']}&dir={'desc' if params['descending'] else 'asc'}"
        )


@router.get("/records", response_class=HTMLResponse)
async def records_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """The table, with the period form and the export links."""
    with page_context(request, services) as ctx:
        query = _query(request)
        span, errors = _period(ctx, query)
        records = _records(ctx, span)
        rows = _sorted(records, query)
        return ctx.pages.render(
            request,
            "records.html",
            ctx.viewer,
            counts=count_chart([(r.unit.name, r.record) for r in records]),
            trend=trend_chart(_trend(ctx)),
            query=query,
            periods=PERIODS,
            columns=COLUMNS,
            span=span,
            last_day=(span.end - timedelta(seconds=1)),
            rows=rows,
            errors=errors,
            status=422 if errors else 200,
        )


@router.get("/records/export")
async def export(request: Request, services: ServicesDep, format: str = "csv") -> Response:
    """The same table as a CSV or XLSX file."""
    if format not in MEDIA:
        raise Forbidden
    with page_context(request, services) as ctx:
        query = _query(request)
        span, _ = _period(ctx, query)
        rows = _sorted(_records(ctx, span), query)
        t = ctx.pages.translators[ctx.pages.language(request)]
        header = [t(f"ui_records.col_{name}") for name in COLUMNS]
        cells = [[_exported(row, name, t) for name in COLUMNS] for row in rows]
        body = xlsx_bytes(header, cells) if format == "xlsx" else csv_bytes(header, cells)
        zone = services.settings.rules.timezone
        last = span.end - timedelta(seconds=1)
        name = f"records-{span.start.astimezone(zone):%Y%m%d}-{last.astimezone(zone):%Y%m%d}"
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


def _query(request: Request) -> Query:
    params = request.query_params
    period = params.get("period", "this_month")
    sort = params.get("sort", "")
    return Query(
        period=period if period in PERIODS else "this_month",
        first=params.get("from", "")[:10],
        last=params.get("to", "")[:10],
        sort=sort if sort in COLUMNS else "",
        descending=params.get("dir") == "desc",
    )


def _period(ctx: PageContext, query: Query) -> tuple[c.Period, dict[str, str]]:
    """The local-calendar span asked for; a bad custom range falls back to this month."""
    zone = ctx.services.settings.rules.timezone
    today = ctx.services.clock.now().astimezone(zone).date()
    this_month = today.replace(day=1)
    first, last, errors = this_month, _month_after(this_month), {}
    if query.period == "last_month":
        first, last = _month_before(this_month), this_month
    elif query.period == "this_quarter":
        first = this_month.replace(month=(today.month - 1) // 3 * 3 + 1)
        last = _month_after(_month_after(_month_after(first)))
    elif query.period == "custom":
        start, end = form_day(query.first), form_day(query.last)
        errors = {
            k: v
            for k, v in (
                ("from", None if start else "ui_records.date_invalid"),
                ("to", None if end else "ui_records.date_invalid"),
            )
            if v
        }
        if start and end and end < start:
            errors["to"] = "ui_records.before_start"
        if start and end and not errors:
            first, last = start, end + timedelta(days=1)

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone)

    return c.Period(moment(first), moment(last)), errors


def _records(ctx: PageContext, span: c.Period) -> list[Row]:
    units = visible_units(ctx.session, ctx.viewer)
    return unit_records(ctx.session, units, span, ctx.services.clock.now())


def _trend(ctx: PageContext) -> list[tuple[str, c.UnitRecord]]:
    """The viewer's units summed month by month, the last TREND_MONTHS up to this one."""
    zone = ctx.services.settings.rules.timezone
    now = ctx.services.clock.now()
    first = now.astimezone(zone).date().replace(day=1)
    starts = [first]
    for _ in range(TREND_MONTHS - 1):
        starts.insert(0, _month_before(starts[0]))

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone)

    months = [c.Period(moment(d), moment(_month_after(d))) for d in starts]
    units = visible_units(ctx.session, ctx.viewer)
    summed = county_by_month(ctx.session, units, months, now)
    return [(f"{d:%Y-%m}", record) for d, record in zip(starts, summed, strict=True)]


def _sorted(rows: list[Row], query: Query) -> list[Row]:
    if not query.sort:
        return rows

    def key(row: Row) -> tuple[Any, ...]:
        value = _cell(row, query.sort)
        return (value, row.unit.code) if query.sort != "unit" else (value,)

    return sorted(rows, key=key, reverse=query.descending)


def _cell(row: Row, column: str) -> Any:
    return row.unit.name if column == "unit" else getattr(row.record, column)


def _exported(row: Row, column: str, t: Translator) -> Any:
    value = _cell(row, column)
    if column == "late_minutes" and value:  # time in words, as on the page: 2 天 4 小时
        return t("ui_notice.minutes", minutes=value)
    return value


def _month_after(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_before(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)
