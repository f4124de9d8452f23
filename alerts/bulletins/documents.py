"""A bulletin as a file: XLSX (one sheet, the page's columns) and PDF (its print page rendered by
WeasyPrint with the system's CJK fonts). WeasyPrint is imported only when a PDF is asked for, so
a machine without Pango still runs the service; it is told so instead (`PdfUnavailable`)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from alerts.bulletins.content import COLUMNS, Bulletin
from alerts.bulletins.publishing import number_text, title
from alerts.i18n import Translator
from alerts.spreadsheets import xlsx_bytes

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs are missing."""


def xlsx(bulletin: Bulletin, translate: Translator, heading: str) -> bytes:
    """The bulletin's table as a workbook, its sheet named by the period."""
    header = [translate(f"bulletin.col_{name}") for name in COLUMNS]
    cells = [[bulletin.cell(row, name) for name in COLUMNS] for row in bulletin.rows]
    return xlsx_bytes([heading], [header, *cells], title=bulletin.period.key)


def print_html(bulletin: Bulletin, translate: Translator, zone: ZoneInfo) -> str:
    """The page the PDF is printed from: title, number, period, the table, how it is scored."""
    first, last = bulletin.period.first, bulletin.period.last
    at = bulletin.published_at
    return _TEMPLATES.get_template("print.html").render(
        lang=translate.language,
        t=translate,
        bulletin=bulletin,
        columns=COLUMNS,
        title=title(bulletin, translate),
        number=number_text(bulletin, translate),
        span=f"{first.isoformat()} — {last.isoformat()}",
        published=translate(
            "bulletin.published", by=bulletin.published_by, at=f"{at.astimezone(zone):%Y-%m-%d}"
        )
        if at
        else "",
    )


def pdf(html: str) -> bytes:
    """The print page as a PDF."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]  # heavy, and needs Pango: only when asked
    except (ImportError, OSError) as missing:
        raise PdfUnavailable(str(missing)) from missing
    document: bytes = HTML(string=html).write_pdf()
    return document
