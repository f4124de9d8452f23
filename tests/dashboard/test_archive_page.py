"""归档 from the incident page: the information section (section head, admin) archives a closed
incident; before the final report the form says why not and a post is refused; the duty room and
a unit officer may not; an archived incident shows read-only and has left the Now board."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import County, at, county, followup, initial, row_counts, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in


def _closed(database_url: str, role: str, unit: str = "county") -> tuple[County, int]:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "desk", role, unit, at(0))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(18, day=22))
    c.post(followup(incident_id, handling_finished=True))
    assert sign_in(c.client, "desk").status_code == 303
    return c, incident_id


def _final(c: County, incident_id: int) -> None:
    c.clock.set(at(12, day=23))
    c.post({"kind": "final", "incident_id": incident_id, "description": "终报"})
    assert sign_in(c.client, "desk").status_code == 303  # a day on: signed in afresh


def _post_archive(c: County, incident_id: int) -> Any:
    page = f"/incidents/{incident_id}"
    token = csrf_from(c.client.get(page).text)
    return c.client.post(f"{page}/archive", data={"csrf_token": token}, follow_redirects=False)


def test_a_section_head_archives_after_the_final_report(database_url: str) -> None:
    c, incident_id = _closed(database_url, "section_head")
    page = f"/incidents/{incident_id}"
    assert "终报报送后方可归档" in c.client.get(page).text
    before = row_counts(database_url)
    early = _post_archive(c, incident_id)
    assert early.status_code == 409 and "终报尚未报送，不能归档" in early.text
    assert row_counts(database_url) == before

    _final(c, incident_id)
    assert 'action="/incidents/' in c.client.get(page).text
    answer = _post_archive(c, incident_id)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{page}?done=archived"

    html = c.client.get(answer.headers["location"]).text
    assert "已归档；事件只读" in html and "已归档（desk，" in html
    assert "desk 归档" in html  # the timeline entry
    assert 'id="archive-action"' not in html and 'id="waive-action"' not in html
    assert f'href="/incidents/{incident_id}"' not in c.client.get("/").text


@pytest.mark.parametrize(("role", "unit"), [("duty_room", "county"), ("unit_officer", "qdh")])
def test_the_duty_room_and_a_unit_officer_may_not_archive(
    database_url: str, role: str, unit: str
) -> None:
    c, incident_id = _closed(database_url, role, unit)
    _final(c, incident_id)
    page = c.client.get(f"/incidents/{incident_id}").text
    assert 'id="archive-action"' not in page
    before = row_counts(database_url)
    answer = c.client.post(
        f"/incidents/{incident_id}/archive",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert row_counts(database_url) == before
    assert c.incident(incident_id)["archived_at"] is None
