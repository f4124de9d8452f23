"""The duty room's work in Chromium: log a phone report and watch its clock turn met, approve a
swap as the leader on duty, upload a bad roster and read its errors; screenshots of every page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site, shot, sign_in

pytestmark = pytest.mark.browser  # `-m browser` runs these, `-m "not browser"` leaves them

ZONE = ZoneInfo("Asia/Shanghai")


def _local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def test_log_a_phone_report_and_watch_its_clock_turn_met(page: Any, site: Site) -> None:
    sign_in(page, site)
    page.get_by_role("link", name=re.compile("登记电话报告")).click()
    shot(page, "05-incident-new")
    now = datetime.now(ZONE)
    page.select_option("#phone-unit", "qdh")
    page.fill("#phone-title", "千岛湖镇浙A货车侧翻")
    page.fill("#phone-occurred_at", _local(now - timedelta(minutes=30)))
    page.fill("#phone-learned_at", _local(now - timedelta(minutes=25)))
    page.select_option("#phone-category", "accident")
    page.select_option("#phone-severity", "III")
    page.fill("#phone-description", "一辆货车在淳杨线侧翻，司机受轻伤")
    page.fill("#phone-location-area", "千岛湖镇")
    page.fill("#phone-location-address", "淳杨线12公里处")
    for name, value in (
        ("dead", "0"),
        ("missing", "0"),
        ("seriously_injured", "0"),
        ("injured", "1"),
        ("trapped", "0"),
    ):
        page.fill(f"#phone-casualties-{name}", value)
    page.fill("#phone-extent", "单车事故，道路半幅通行")
    page.fill("#phone-direct_loss_wan_yuan", "3")
    page.fill("#phone-measures", "交警、路政到场处置")
    page.fill("#phone-leaders_informed", "分管副镇长已到场")
    page.check("#phone-already_reported_none")
    page.fill("#phone-reporter-name", "吕雅琴")
    page.fill("#phone-reporter-post", "党政办值班员")
    page.fill("#phone-reporter-phone", "13800000000")
    page.get_by_role("button", name=re.compile("登记电话报告")).click()
    page.wait_for_url(re.compile(r"/incidents/\d+"))
    obligations = page.locator("table.obligations tbody tr")
    initial = obligations.filter(has=page.get_by_role("rowheader", name="首报 · 千岛湖镇"))
    expect(initial.locator("td").nth(2)).to_contain_text("按时")  # the complete call met K1
    written = obligations.filter(has=page.get_by_role("rowheader", name="书面报告 · 千岛湖镇"))
    expect(written.locator("td").nth(2)).to_contain_text("待报")  # the written report is owed
    shot(page, "06-incident-after-phone-report")
    page.goto(f"{site.base_url}/")
    expect(page.get_by_role("link", name="千岛湖镇浙A货车侧翻")).to_be_visible()


def test_approve_the_pending_swap_as_the_leader_on_duty(page: Any, site: Site) -> None:
    sign_in(page, site, "leader")
    page.goto(f"{site.base_url}/roster")
    shot(page, "07-roster")
    approve = page.get_by_role("button", name=re.compile("^批准"))
    expect(approve).to_have_count(1)  # the demo's one pending swap
    expect(approve).to_be_enabled()
    approve.click()
    expect(page.get_by_role("status")).to_have_text("调班已批准。")
    expect(page.get_by_text("暂无待审批的调班。")).to_be_visible()
    expect(approve).to_have_count(0)
    shot(page, "08-roster-swap-approved")


def test_a_bad_roster_upload_shows_each_bad_row_and_imports_nothing(
    page: Any, site: Site, tmp_path: Path
) -> None:
    sign_in(page, site)
    page.goto(f"{site.base_url}/roster")
    bad = tmp_path / "roster.csv"
    bad.write_text(
        "日期,值班员,值班员电话,带班领导,带班领导电话\n"
        "2026-12-01,查无此人,13800000000,罗家明,1234\n"
        "2026-12-32,吕雅琴,18849748542,罗家明,13835524730\n",
        encoding="utf-8",
    )
    page.select_option("#upload-unit", "qdh")
    page.fill("#upload-month", "2026-12")
    page.set_input_files("#upload-file", str(bad))
    page.get_by_role("button", name=re.compile("上传|Upload")).click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"^未导入：共 \d+ 处错误$"))
    expect(page.get_by_text(re.compile("未导入任何内容"))).to_be_visible()
    where = page.locator("section.report tbody th").all_inner_texts()
    assert set(where) == {"第 2 行", "第 3 行"}, f"rows 2 and 3 are named: {where}"
    shot(page, "09-roster-upload-errors")


def test_every_page_renders_and_is_kept_as_a_screenshot(page: Any, site: Site) -> None:
    sign_in(page, site, "admin")
    for path, name in (
        ("/records", "10-records"),
        ("/messages", "11-messages"),
        ("/admin", "12-admin"),
        ("/incidents/1", "13-incident"),
    ):
        response = page.goto(f"{site.base_url}{path}")
        assert response is not None and response.status == 200, path
        unlabelled = page.evaluate(
            "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).length"
        )
        assert unlabelled == 0, f"every input on {path} has a label"
        shot(page, name)
