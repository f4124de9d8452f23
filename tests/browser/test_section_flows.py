"""The information section's day in Chromium: it confirms a missed report with a reason and an
evidence file, archives an incident closed by its final report, and previews then publishes a
bulletin; screenshots of each step."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from rules.bulletins import Kind, containing
from tests.browser.conftest import Site, shot, sign_in

pytestmark = pytest.mark.browser


def _section(browser: Any, site: Site) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    sign_in(page, site, "section")
    return page


def test_confirm_a_missed_report_with_evidence(browser: Any, site: Site, tmp_path: Path) -> None:
    page = _section(browser, site)
    page.goto(f"{site.base_url}/incidents?state=all")
    links = page.locator("table.incident-list a")
    for index in range(links.count()):
        links.nth(index).click()
        candidate = page.locator("article.finding-candidate").filter(has_text="漏报")
        if candidate.count():
            break
        page.go_back()
    else:
        pytest.fail("the demo has no missed-report candidate")
    article = candidate.first
    article.locator("summary").click()
    article.locator("select").select_option("confirm")
    article.locator("textarea").first.fill("经核实，该镇在事发后次日结束前未报送，认定漏报。")
    evidence = tmp_path / "核查记录.txt"
    evidence.write_text("电话核查记录：镇党政办称未收到通知。", encoding="utf-8")
    article.locator("input[type=file]").set_input_files(str(evidence))
    article.get_by_role("button").last.click()
    confirmed = page.locator("article.finding-confirmed").filter(has_text="漏报").first
    expect(confirmed).to_contain_text("认定漏报")
    expect(confirmed.get_by_role("link", name="核查记录.txt")).to_be_visible()
    shot(page, "30-finding-confirmed")


def test_archive_a_closed_incident(browser: Any, site: Site) -> None:
    page = _section(browser, site)
    page.goto(f"{site.base_url}/incidents?state=closed")
    shot(page, "31-incidents-closed")
    first = page.locator("table.incident-list a").first
    title = first.inner_text()
    first.click()
    page.locator("#archive-action summary").click()
    page.locator("#archive-action").get_by_role("button", name="归档").click()
    expect(page.get_by_role("status")).to_contain_text("已归档")
    expect(page.locator("p.archived")).to_contain_text("只读")
    expect(page.locator("#waive-action")).to_have_count(0)
    shot(page, "32-incident-archived")
    page.goto(f"{site.base_url}/incidents?state=archived")
    expect(page.locator("table.incident-list")).to_contain_text(title)


def test_preview_and_publish_a_bulletin(browser: Any, site: Site) -> None:
    page = _section(browser, site)
    page.get_by_role("link", name="通报").first.click()
    expect(page.locator("#duties-heading")).to_be_visible()
    shot(page, "33-bulletins")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    quarter = containing(Kind.QUARTERLY, today).key
    page.select_option("#bulletin-kind", "quarterly")
    page.fill("#bulletin-period", quarter)
    page.get_by_role("button", name="预览").click()
    expect(page.locator("h1")).to_contain_text("季度突发事件信息报送情况通报")
    expect(page.get_by_role("link", name="PDF")).to_have_attribute("href", re.compile("format=pdf"))
    shot(page, "34-bulletin-preview")
    last_month = containing(Kind.MONTHLY, today).previous().key
    page.goto(f"{site.base_url}/bulletins/draft?kind=monthly&period={last_month}")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("status")).to_contain_text("已发布")
    expect(page.locator("h1")).to_contain_text("第1期（月报）")
    shot(page, "35-bulletin-published")
