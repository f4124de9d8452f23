"""Findings tests' data: scenario 7's county (a township's incident the office registered from a
media report, never reported by the township), its people, and reading the records page."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from alerts.storage.database import make_engine
from alerts.storage.models import User
from tests.builders import County, at, county, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in

REGISTER = {
    "kind": "register",
    "unit": "qdh",
    "occurred_at": at(11, 30).isoformat(),
    "category": "accident",
    "severity": "III",
    "title": "某村民房火灾",
    "description": "媒体报道：某村民房起火",
}
# the end of the day after the registration (21 November): midnight into the 23rd
CUTOFF = at(0, 0, day=23)
ACCOUNTS = {  # username → (role, unit)
    "head": ("section_head", "county"),
    "admin": ("admin", "county"),
    "duty": ("duty_room", "county"),
    "leader": ("leader", "county"),
    "qdh": ("unit_officer", "qdh"),
    "wsh": ("unit_officer", "wsh"),
}


def registered_never_filed(database_url: str, *, tick_at: Any = CUTOFF) -> tuple[County, int]:
    """Scenario 7: at 15:00 on the 21st the office registers a III fire in 千岛湖镇 (occurred
    11:30); the township never files. The engine ticks at `tick_at` (the cut-off by default)."""
    c = county(database_url, start=at(15))
    seed_roster(database_url, start=at(0))
    answer = c.post(REGISTER, token=c.office_token)
    assert answer.status_code == 201, answer.text
    if tick_at is not None:
        c.at_tick(tick_at)
    return c, int(answer.json()["incident_id"])


def signed_in(c: County, username: str) -> None:
    """Sign in as one of ACCOUNTS, made the first time (signing out whoever was)."""
    url = c.settings.database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        exists = connection.execute(select(User.id).where(User.username == username)).first()
    engine.dispose()
    if exists is None:
        role, unit = ACCOUNTS[username]
        add_user(url, username, role, unit, at(0))
    c.client.cookies.clear()
    assert sign_in(c.client, username).status_code == 303


def office(c: County) -> dict[str, str]:
    """The office token's header."""
    return {"Authorization": f"Bearer {c.office_token}"}


def unit(c: County, code: str = "qdh") -> dict[str, str]:
    """A township token's header."""
    return {"Authorization": f"Bearer {c.tokens[code]}"}


def findings(c: County, incident_id: int, headers: dict[str, str] | None = None) -> list[Any]:
    """The incident's findings through the API (as the office unless told)."""
    answer = c.client.get(f"/api/v1/incidents/{incident_id}/findings", headers=headers or office(c))
    assert answer.status_code == 200, answer.text
    found: list[Any] = answer.json()["findings"]
    return found


def csrf(c: County, incident_id: int) -> str:
    """The signed-in viewer's CSRF token, from the incident page."""
    return csrf_from(c.client.get(f"/incidents/{incident_id}").text)


def records_row(
    c: County, unit_name: str = "千岛湖镇", period: str = "this_quarter"
) -> dict[str, str]:
    """One unit's row of the records page, by column heading."""
    page = c.client.get(f"/records?period={period}")
    assert page.status_code == 200, page.text
    headings = re.findall(r'<th scope="col"[^>]*>\s*<a [^>]*>([^<]+)', page.text)
    body = page.text.split('<table class="records stack">', 1)[1].split("<tbody>", 1)[1]
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("</tbody>")[0], flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
        if cells[0] == unit_name:
            return dict(zip(headings, cells, strict=True))
    raise AssertionError(f"no row for {unit_name}")
