"""Roster files as rows of cells: CSV (UTF-8 with or without BOM, or GB18030; comma, tab or
semicolon) or XLSX (the first sheet), non-blank rows numbered as in the file, and each cell as the
text a person sees in it."""

from __future__ import annotations

import csv
import io
import warnings
from datetime import datetime, time
from typing import Literal

Format = Literal["csv", "xlsx"]
MAX_ROWS = 200  # a month is 31 rows; more is the wrong file
HEADER_SEARCH = 5  # the header may sit below a title row or two

Rows = list[tuple[int, list[object]]]  # (row number as in the file, cells)


class UnreadableFile(Exception):
    """The bytes are no roster file; the message is a catalogue key under `roster_import.`."""


def detect_format(data: bytes) -> Format:
    """XLSX is a zip archive; anything else is taken for CSV."""
    return "xlsx" if data.startswith(b"PK\x03\x04") else "csv"


def read_rows(data: bytes) -> Rows:
    """The non-blank rows of a CSV or XLSX file, numbered as in the file; raises UnreadableFile."""
    if not data.strip():
        raise UnreadableFile("empty")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("old_xls")
    rows = _xlsx_rows(data) if detect_format(data) == "xlsx" else _csv_rows(data)
    filled = [(number, cells) for number, cells in rows if any(cell_text(c) for c in cells)]
    if len(filled) > MAX_ROWS + HEADER_SEARCH:
        raise UnreadableFile("too_many_rows")
    return filled


def _csv_rows(data: bytes) -> Rows:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("unreadable")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in ",\t;" if d in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, list(cells)) for cells in reader]
    except csv.Error as exc:
        raise UnreadableFile("unreadable") from exc


def _xlsx_rows(data: bytes) -> Rows:
    import openpyxl  # here, not at the top: about 8 MiB resident, needed only for a workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles and extensions openpyxl skips do not matter
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken workbook fails in many ways; all mean "unreadable"
        raise UnreadableFile("unreadable") from exc
    try:
        rows: Rows = []
        for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if number <= 10 * MAX_ROWS:
                rows.append((number, list(cells)))
            elif any(cell_text(c) for c in cells):
                raise UnreadableFile("too_many_rows")
            elif number > 100 * MAX_ROWS:
                break  # formatted empty rows can run to a million
        return rows
    finally:
        book.close()


def cell_text(value: object) -> str:
    """A cell as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed into Excel as a number
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    return str(value).strip()
