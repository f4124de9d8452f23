"""The Now page in Chromium: sign in, countdowns that move, English, a phone-sized screen."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from alerts.demo.data import SCENARIOS, UNITS
from tests.browser.conftest import Site, shot, sign_in

pytestmark = pytest.mark.browser  # `-m browser` runs these, `-m "not browser"` leaves them

TITLE = {scenario.ref: scenario.title for scenario in SCENARIOS}
CLOSED = {TITLE["QDH-DEMO-02"], TITLE["JTJ-DEMO-01"]}  # handling finished, final reports filed
OPEN = set(TITLE.values()) - CLOSED
OVERDUE = {  # overdue when the demo is seeded, so still overdue however long the run takes
    TITLE["JJZ-DEMO-01"]: "姜家镇 · 首报",  # registered from the media; the township never reported
    TITLE["ZTZ-DEMO-01"]: "梓桐镇 · 首报",  # registered two days ago, never reported
    TITLE["YJJ-DEMO-01"]: "县政府总值班室 · 向上级报告",
    TITLE["ZJJ-DEMO-01"]: "县住建局 · 续报 1",
}
TICKING = re.compile(r"^(剩余|已逾期) (\d+ (天|小时|分钟|分)( \d+ (小时|分))?|不到 1 分钟)$")
CASES = json.loads(
    (Path(__file__).parent.parent / "rules" / "timewords_cases.json").read_text("utf-8")
)


def test_sign_in_and_see_the_countdown_move(page: Any, site: Site) -> None:
    page.goto(f"{site.base_url}/")
    assert "/login" in page.url
    shot(page, "01-login")
    sign_in(page, site)
    countdown = page.locator(".countdown").first
    expect(countdown).to_have_text(TICKING)
    cards = page.locator(".incident")
    expect(cards).to_have_count(len(OPEN))
    expect(page.locator("#open-heading .count")).to_have_text(str(len(OPEN)))
    assert set(cards.locator(".title").all_inner_texts()) == OPEN
    for title, owed in OVERDUE.items():
        card = page.locator(".incident.late", has=page.get_by_role("link", name=title, exact=True))
        expect(card.locator(".owed")).to_have_text(owed)
        expect(card.locator(".countdown")).to_have_text(re.compile(r"^已逾期 \d+ (天|小时)"))
    duty = page.locator("table.duty tbody tr")
    expect(duty).to_have_count(len(UNITS) - 1)  # every unit below the city
    expect(duty.locator("a.phone")).to_have_count(2 * (len(UNITS) - 1))
    expect(page.locator(".gap")).to_have_count(0)  # the demo's roster gap is days ahead
    shot(page, "02-now")


def test_wrong_password_says_so(page: Any, site: Site) -> None:
    page.goto(f"{site.base_url}/login")
    page.get_by_label("用户名").fill("duty")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text() == "用户名或密码不正确"


def test_switch_to_english_and_back(page: Any, site: Site) -> None:
    sign_in(page, site)
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"{site.base_url}/")
    expect(page.get_by_role("heading", name="Now", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Open incidents")).to_be_visible()
    shot(page, "03-now-english")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="值班台", exact=True)).to_be_visible()


def test_now_page_at_phone_size(browser: Any, site: Site) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    sign_in(page, site)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing overflows sideways on a phone"
    expect(page.locator(".incident").first).to_be_visible()
    shot(page, "04-now-phone")
    context.close()


def test_every_page_fits_a_phone_screen(browser: Any, site: Site) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    sign_in(page, site, "admin")
    for path in (
        "/",
        "/incidents/1",
        "/incidents/new",
        "/roster",
        "/records",
        "/messages",
        "/admin/units",
        "/admin/users",
    ):
        response = page.goto(f"{site.base_url}{path}")
        assert response is not None and response.status == 200, path
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 390, f"{path} overflows sideways on a phone ({page_width}px)"
        shot(page, "phone" + path.replace("/", "-").rstrip("-"))
    context.close()


def test_the_script_says_time_in_the_same_words_as_the_server(page: Any, site: Site) -> None:
    sign_in(page, site)
    for case in CASES:
        ms = case["seconds"] * 1000
        assert page.evaluate(f"Jibao.timeWords({ms}, 'zh-CN')") == case["zh_CN"], case
        assert page.evaluate(f"Jibao.timeWords({ms}, 'en')") == case["en"], case


def _most_overdue_first_in_view(page: Any, name: str) -> None:
    cards = page.locator(".incident")
    first = cards.first
    expect(first).to_be_in_viewport()
    box = first.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] + min(box["height"], 120) <= height, "first card in view"
    dues = page.eval_on_selector_all(
        ".incident .countdown[data-due]", "els => els.map(e => Date.parse(e.dataset.due))"
    )
    assert dues == sorted(dues), "most overdue first, then soonest due"
    assert first.locator(".act .person").count() >= 1 or first.locator(".act .gap").count() == 1
    expect(page.locator(".summary-strip")).to_be_in_viewport()
    page.screenshot(path=str(shot(page, name).with_name(name + "-view.png")))


def test_most_overdue_card_is_first_and_in_view_on_a_desktop(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, site)
    _most_overdue_first_in_view(page, "05-now-1366")
    context.close()


def test_most_overdue_card_is_first_and_in_view_on_a_phone(browser: Any, site: Site) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, site)
    _most_overdue_first_in_view(page, "06-now-390")
    context.close()
