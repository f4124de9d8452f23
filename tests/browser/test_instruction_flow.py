"""A leader's instruction (批示) in Chromium, as three people handle it: the duty room records
and relays it, the township's officer acknowledges and feeds back, the information section
verifies; screenshots of each step at desktop and phone widths."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Site, shot, sign_in

pytestmark = pytest.mark.browser  # `-m browser` runs these, `-m "not browser"` leaves them

TEXT = "请千岛湖镇立即核实淳杨线塌方情况，做好交通管制，24小时内报告处置结果。"
PHONE = {"width": 390, "height": 844}


def _as(browser: Any, site: Site, username: str, **context: Any) -> Any:
    """A page of its own (its own cookies) signed in as `username`."""
    options = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", **context}
    page = browser.new_context(**options).new_page()
    sign_in(page, site, username)
    return page


def _unit_panel(page: Any) -> Any:
    return page.locator("#unit-qdh")


def test_record_relay_acknowledge_feed_back_verify(browser: Any, site: Site) -> None:
    duty = _as(browser, site, "duty")
    duty.get_by_role("link", name="登记领导批示").click()
    duty.fill("#new-issuer_name", "王县长")
    duty.fill("#new-issuer_post", "县长")
    duty.select_option("#new-issuer_level", "county")
    duty.fill("#new-text", TEXT)
    duty.select_option("#new-kind", "act")
    duty.select_option("#new-incident_id", index=1)
    duty.get_by_label("千岛湖镇").check()
    shot(duty, "20-instruction-new")
    duty.get_by_role("button", name="登记批示").click()
    duty.wait_for_url(re.compile(r"/instructions/\d+\?done=recorded"))
    iid = re.search(r"/instructions/(\d+)", duty.url).group(1)  # type: ignore[union-attr]
    expect(duty.get_by_role("status")).to_have_text("批示已登记，转办计时开始。")
    expect(_unit_panel(duty).locator(".stage")).to_have_text("待转办")
    expect(_unit_panel(duty).locator(".countdown")).to_contain_text("剩余")
    duty.get_by_role("button", name=re.compile("^转办")).click()
    expect(_unit_panel(duty).locator(".stage")).to_have_text("已转办，待签收")
    shot(duty, "21-instruction-relayed")
    duty.get_by_role("link", name="返回事件").click()
    expect(
        duty.locator("#instructions").get_by_role("link", name=re.compile("县长 王县长"))
    ).to_be_visible()
    duty.locator("#instructions").screenshot(path=str(ARTIFACTS / "28-incident-instructions.png"))
    duty.goto(f"{site.base_url}/")
    expect(duty.locator(f'[data-instruction="{iid}"]')).to_contain_text("批示签收")
    shot(duty, "22-now-with-instructions")

    unit = _as(browser, site, "qdh")
    unit.locator(f'[data-instruction="{iid}"] a.title').click()
    unit.wait_for_url(f"{site.base_url}/instructions/{iid}")
    expect(unit.get_by_role("button", name=re.compile("核验通过"))).to_have_count(0)
    unit.get_by_role("button", name=re.compile("^签收")).click()
    expect(unit.get_by_role("status")).to_have_text("已签收。")
    unit.get_by_label("落实情况").fill("已对塌方路段实行交通管制，无人员伤亡，正在抢通。")
    shot(unit, "23-instruction-unit-feedback")
    unit.get_by_role("button", name="提交落实反馈").click()
    expect(unit.get_by_role("status")).to_have_text("落实反馈已提交，待信息科核验。")
    expect(_unit_panel(unit).locator(".stage")).to_have_text("已反馈，待核验")

    section = _as(browser, site, "section")
    section.goto(f"{site.base_url}/instructions/{iid}")
    expect(section.locator(".step-text")).to_have_text(re.compile("已对塌方路段实行交通管制"))
    section.get_by_role("button", name=re.compile("^核验通过")).click()
    expect(_unit_panel(section).locator(".stage")).to_have_text("已核验，待办结")
    history = section.locator("ol.timeline li").all_inner_texts()
    moves = [re.sub(r"^\S+ \S+\s*", "", h).split("\n")[0] for h in history[1:]]
    assert [re.sub(r"（.+）$", "", m) for m in moves] == [
        "千岛湖镇：转办",
        "千岛湖镇：签收",
        "千岛湖镇：落实反馈",
        "千岛湖镇：核验通过",
    ], history
    assert all(re.search(r"（\S+）$", m) for m in moves), "each step says who"
    shot(section, "24-instruction-verified")

    phone = _as(browser, site, "duty", viewport=PHONE, is_mobile=True)
    phone.goto(f"{site.base_url}/instructions/{iid}")
    shot(phone, "25-instruction-phone")
    phone.goto(f"{site.base_url}/")
    shot(phone, "26-now-phone")
    phone.locator("#instructions").screenshot(path=str(ARTIFACTS / "27-now-instructions-phone.png"))
    wide = phone.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "nothing wider than a phone's screen"
