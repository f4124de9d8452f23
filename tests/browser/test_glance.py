"""The duty room at a glance, in Chromium on the demo county: the most overdue card first with its
clock in view, every time on the board in words, a refused form opening on its problems, and the
roster and messages readable on a phone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from alerts.demo.data import SCENARIOS
from tests.browser.conftest import Site, shot, sign_in

pytestmark = pytest.mark.browser

TITLE = {scenario.ref: scenario.title for scenario in SCENARIOS}
WORDS = re.compile(r"^(剩余|已逾期) (\d+ (天|小时|分钟|分)( \d+ (小时|分))?|不到 1 分钟)$")
MINUTES_PAST_AN_HOUR = re.compile(r"(\d{2,}) ?分钟")  # 61 分钟 and up is said in hours


def _phone(browser: Any) -> Any:
    return browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )


def _view(page: Any, name: str) -> None:
    """The whole page and, as NAME-view.png, what the screen shows."""
    page.screenshot(path=str(shot(page, name).with_name(f"{name}-view.png")))


def _duty_month(site: Site) -> str:
    """The month of the duty day it is now (before the day's change time, yesterday's)."""
    settings = site.app.state.services.settings
    local = datetime.now(settings.rules.timezone)
    day = local.date() - timedelta(days=1 if local.time() < settings.roster.day_starts_at else 0)
    return f"{day:%Y-%m}"


def _no_long_minutes(text: str) -> None:
    for found in MINUTES_PAST_AN_HOUR.finditer(text):
        assert int(found.group(1)) < 60, f"said in minutes: {found.group(0)!r}"


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_most_overdue_clock_is_first_and_in_view(
    browser: Any, site: Site, size: tuple[int, int]
) -> None:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, site)
    late = page.locator(".countdown.late[data-due]")
    dues = late.evaluate_all("els => els.map(e => Date.parse(e.dataset.due))")
    assert dues and dues[0] == min(dues), "no card on the board is more overdue than the first"
    first = page.locator(".incident").first
    expect(first.get_by_role("link", name=TITLE["ZTZ-DEMO-01"], exact=True)).to_be_visible()
    expect(first.locator(".countdown")).to_be_in_viewport()  # its clock, not only its title
    expect(first.locator(".countdown")).to_have_text(re.compile(r"^已逾期 \d+ 天"))
    expect(first.locator(".act a.call").first).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(
        path=str(shot(page, f"glance-now-{width}").with_name(f"glance-now-{width}-view.png"))
    )
    context.close()


def test_every_time_on_the_board_reads_in_words(page: Any, site: Site) -> None:
    sign_in(page, site)
    countdowns = page.locator(".countdown")
    expect(countdowns.first).to_have_text(WORDS)
    texts = countdowns.all_inner_texts()
    assert len(texts) > 10 and all(WORDS.match(t.strip()) for t in texts), texts
    _no_long_minutes(page.inner_text("main"))


def test_the_demo_ladders_fired_on_time(page: Any, site: Site) -> None:
    """The seeded history: no rung on an overdue incident says it fired late."""
    sign_in(page, site)
    page.get_by_role("link", name=TITLE["ZTZ-DEMO-01"], exact=True).click()
    timeline = page.locator("#timeline-heading").locator("xpath=..")
    expect(timeline.get_by_text(re.compile("催报"))).not_to_have_count(0)
    assert "触发" not in timeline.inner_text(), "晚 … 触发: a rung fired after its moment"
    _no_long_minutes(page.inner_text("main"))
    shot(page, "glance-incident-ladder")


def test_a_refused_form_opens_on_its_problems(browser: Any, site: Site) -> None:
    context = _phone(browser)
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site.base_url}/incidents/new#register")
    form = page.locator("section#register")
    expect(form.get_by_label(re.compile("^级别"))).to_be_visible()
    expect(form.locator("label[for=register-severity] .req")).to_have_text("*")
    form.locator("#register-title").fill("网传某村山林起火")
    form.get_by_role("button", name=re.compile("登记")).click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    expect(summary).to_be_in_viewport()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("^级别：必填"))).to_be_visible()
    summary.get_by_role("link", name=re.compile("^事发时间")).click()
    expect(page.locator("#register-occurred_at")).to_be_focused()
    expect(page.locator("#register-title")).to_have_value("网传某村山林起火")
    page.screenshot(
        path=str(shot(page, "glance-form-error").with_name("glance-form-error-view.png"))
    )
    context.close()


def test_the_roster_and_messages_fit_a_phone(browser: Any, site: Site) -> None:
    context = _phone(browser)
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site.base_url}/roster")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    today = page.locator("table.roster tr.today")
    for role in ("值班员", "带班领导"):
        cell = today.locator(f'td[data-label="{role}"]')
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, role
    for holder in page.locator("table.roster .holder").all_inner_texts():
        assert not re.search(r"\d{11}\d", holder), f"phone and hours run together: {holder!r}"
    this_month = page.locator("#upload-month")
    if this_month.count():
        expect(this_month).to_have_value(_duty_month(site))
    shot(page, "glance-roster-390")
    page.goto(f"{site.base_url}/messages")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = page.locator("table.messages tbody tr").first
    state = first.locator("th .msg-state")
    expect(state).to_be_visible()
    box = state.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    shot(page, "glance-messages-390")
    context.close()


def test_a_phone_log_lacking_elements_is_named_and_completed(page: Any, site: Site) -> None:
    sign_in(page, site)
    page.get_by_role("link", name=TITLE["WCH-DEMO-03"], exact=True).click()
    row = page.locator("table.obligations tbody tr").first
    expect(row).to_contain_text("电话报告要素不全：缺 获知时间、直接经济损失")
    expect(row).not_to_contain_text("尚未报送")
    shot(page, "glance-phone-incomplete")
    row.get_by_role("link", name="补全电话报告").click()
    form = page.locator("details#phone-action")
    expect(form).to_have_attribute("open", "")
    expect(form.locator("#phone-action-location-address")).to_have_value(re.compile("木材加工厂"))
    occurred = form.locator("#phone-action-occurred_at").input_value()
    form.locator("#phone-action-learned_at").fill(occurred)
    form.locator("#phone-action-direct_loss_wan_yuan").fill("不详")
    form.get_by_role("button", name=re.compile("登记")).click()
    page.wait_for_load_state()
    row = page.locator("table.obligations tbody tr").first
    expect(row).not_to_contain_text("要素不全")
    expect(row).to_contain_text(re.compile("迟报"))
    _no_long_minutes(page.inner_text("main"))
