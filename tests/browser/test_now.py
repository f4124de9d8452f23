"""The Now page in Chromium: sign in, countdowns that move, English, a phone-sized screen."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Site, shot, sign_in


def test_sign_in_and_see_the_countdown_move(page: Any, site: Site) -> None:
    page.goto(f"{site.base_url}/")
    assert "/login" in page.url
    shot(page, "01-login")
    sign_in(page, site)
    countdown = page.locator(".countdown").first
    first = countdown.inner_text()
    page.wait_for_timeout(2100)
    assert countdown.inner_text() != first, "the countdown moves without a reload"
    late = page.locator(".incident.late").first
    assert re.search(r"已逾期 \d", late.locator(".countdown").inner_text()), "late says so in words"
    assert page.locator(".gap").count() >= 0
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
    assert page.get_by_role("heading", name="Now", exact=True).is_visible()
    assert page.get_by_role("heading", name="Open incidents").is_visible()
    shot(page, "03-now-english")
    page.get_by_role("link", name="中文").click()
    assert page.get_by_role("heading", name="值班台", exact=True).is_visible()


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
    assert page.locator(".incident").first.is_visible()
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
