"""Issue 11's done-when: the demo county's quarterly bulletin as a PDF, in Chinese, whose figures
equal the records page's for this quarter, read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from alerts.app import create_app
from rules.bulletins import Kind, containing
from tests.builders import settings as make_settings
from tests.dashboard.accounts import sign_in
from tests.dashboard.test_records import table
from tests.seeded_demo import SeededDemo

# the records page's columns a bulletin prints, by their position on the records page
RECORDS_AT = {"incidents": 2, "on_time": 3, "late": 4, "missed": 6, "after_chasing": 8, "score": 1}
BULLETIN_ORDER = ("incidents", "on_time", "late", "missed", "after_chasing")


def test_the_demo_quarterly_bulletin_pdf_says_what_the_records_page_says(
    tmp_path: Path, seeded_demo: SeededDemo
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (Debian's poppler-utils)")
    quarter = containing(Kind.QUARTERLY, datetime.now(ZoneInfo("Asia/Shanghai")).date()).key
    with TestClient(
        create_app(make_settings(seeded_demo.copy(tmp_path)), run_scheduler=False)
    ) as client:
        assert sign_in(client, "section", "jibao-demo-2026").status_code == 303
        records = table(client.get("/records?period=this_quarter").text)
        answer = client.get(f"/bulletins/draft?kind=quarterly&period={quarter}&format=pdf")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=answer.content, capture_output=True, check=True
    ).stdout.decode()
    year, q = quarter.split("-Q")
    assert f"县政府总值班室{year}年第{'一二三四'[int(q) - 1]}季度突发事件信息报送情况通报" in text
    assert "得分" in text and "批示反馈逾期" in text
    assert len(records) >= 10
    for row in records:
        name, score = row[0], row[RECORDS_AT["score"]]
        pattern = re.compile(rf"^\s*{re.escape(name)}\s+\d")
        line = next((line for line in text.splitlines() if pattern.match(line)), None)
        assert line is not None, name
        numbers = re.findall(r"\d+", line)
        expected = [row[RECORDS_AT[c]] for c in BULLETIN_ORDER]
        assert numbers[: len(expected)] == expected, (name, line)
        assert numbers[-1] == score, (name, line)
