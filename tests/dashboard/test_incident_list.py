"""The incidents list: an incident closed by its final report leaves the Now board and is found
under 已终报待归档, then under 已归档 once archived; a unit officer sees its own only; bad
parameters fall back rather than fail."""

from __future__ import annotations

from tests.builders import at, county, followup, initial, seed_roster
from tests.dashboard.accounts import add_user, sign_in


def test_closed_then_archived_incidents_are_listed_by_state(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "head", "section_head", "county", at(0))
    add_user(database_url, "wsh", "unit_officer", "wsh", at(0))
    closed = c.post(initial(title="已终报的事件")).json()["incident_id"]
    c.post(initial(title="处置中的事件", external_ref="QH-2"))
    c.clock.set(at(12))
    c.post(followup(closed, handling_finished=True))
    c.post({"kind": "final", "incident_id": closed, "description": "终报"})
    assert sign_in(c.client, "head").status_code == 303

    listed = c.client.get("/incidents").text
    assert "已终报的事件" in listed and "处置中的事件" not in listed
    opened = c.client.get("/incidents?state=open").text
    assert "处置中的事件" in opened and "已终报的事件" not in opened
    assert "已终报的事件" not in c.client.get("/").text

    c.client.post(
        f"/api/v1/incidents/{closed}/archive", headers={"Authorization": f"Bearer {c.office_token}"}
    )
    assert "已终报的事件" not in c.client.get("/incidents?state=closed").text
    archived = c.client.get("/incidents?state=archived").text
    assert "已终报的事件" in archived and "已归档" in archived
    everything = c.client.get("/incidents?state=all").text
    assert "已终报的事件" in everything and "处置中的事件" in everything
    for odd in ("?state=nonsense", "?page=-1", "?page=abc", "?page=99999999999999999999"):
        assert c.client.get(f"/incidents{odd}").status_code == 200, odd

    c.client.cookies.clear()
    assert sign_in(c.client, "wsh").status_code == 303
    assert "已终报的事件" not in c.client.get("/incidents?state=all").text  # 千岛湖镇's
