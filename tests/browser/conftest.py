"""Browser tests: the demo county (each module its own copy of the one seeded for the run) served
by a real uvicorn on loopback, driven by Debian's headless Chromium through Playwright.
Screenshots go to tests/artifacts/ for people to look at.

Without /usr/bin/chromium these tests skip, except under CI=true, where a skip is a failure."""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from alerts.app import create_app
from tests.builders import dry_notifiers, settings
from tests.polling import wait_until
from tests.seeded_demo import SeededDemo

CHROMIUM = Path(os.environ.get("JIBAO_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parent.parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Site:
    """The served demo: its address, the demo accounts' password, and printed tokens."""

    base_url: str
    password: str
    tokens: dict[str, str]
    app: Any


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, seeded_demo: SeededDemo) -> Iterator[Site]:
    """A copy of the run's demo county for this module, served with the real scheduler (the
    module's tests may change it: others never see it)."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    url = seeded_demo.copy(tmp_path_factory.mktemp("browser"))
    port = _free_port()
    config = settings(url, public_url=f"http://127.0.0.1:{port}", engine__sweep_every="2s")
    text = seeded_demo.banner
    tokens = dict(re.findall(r"\((\w+)\) token: (\S+)", text))
    password = re.search(r"password[:：]\s*(\S+)", text)
    assert password, text
    app = create_app(config, notifiers=dry_notifiers())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), timeout=15)
    assert server.started, "uvicorn did not start serving the demo"
    yield Site(f"http://127.0.0.1:{port}", password.group(1), tokens, app)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh desktop-sized page (its own cookies)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def shot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot under tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, site: Site, username: str = "duty") -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{site.base_url}/login")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(site.password)
    page.get_by_role("button", name=re.compile("登录|Sign in")).click()
    page.wait_for_url(f"{site.base_url}/")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
