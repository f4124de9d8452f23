"""Tables written as the files offices open: CSV that Excel reads as UTF-8, and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """A header and rows as CSV, with the BOM that tells Excel it is UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[c.isoformat() if isinstance(c, date) else c for c in r] for r in rows])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> bytes:
    """A header and rows as a one-sheet workbook (named `title` if given); dates show as dates."""
    import openpyxl  # here, not at the top: about 8 MiB resident, needed only for a workbook

    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
        for column, value in enumerate(row, start=1):
            if isinstance(value, date):
                sheet.cell(row=sheet.max_row, column=column).number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
