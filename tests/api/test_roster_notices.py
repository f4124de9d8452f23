"""GET /api/v1/roster/notices: what the roster itself told people (duty checks asked and missed,
gaps, late handovers), for the office across its units and for a unit its own people only."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import at, county, seed_roster


def test_duty_check_messages_are_read_back_by_kind_and_by_whom_they_may_concern(
    database_url: str,
) -> None:
    c = county(database_url, start=at(10))
    seed_roster(database_url, start=at(0))
    office = {"Authorization": f"Bearer {c.office_token}"}
    asked = c.client.post("/api/v1/roster/duty-checks", json={"unit": "qdh"}, headers=office)
    assert asked.status_code == 201, asked.text
    c.tick()
    c.clock.set(at(10) + timedelta(minutes=11))  # unanswered past its 10 minutes
    c.tick()
    listed = c.client.get("/api/v1/roster/notices", headers=office)
    assert listed.status_code == 200, listed.text
    notices = listed.json()["notices"]
    kinds = {n["kind"] for n in notices}
    assert {"duty_check", "duty_check_missed"} <= kinds, notices
    ask = next(n for n in notices if n["kind"] == "duty_check")
    assert ask["unit"] == "qdh" and asked.json()["code"] in ask["text"]
    assert ask["state"] in ("dry", "sent") and ask["sent_at"]
    missed = c.client.get("/api/v1/roster/notices?kind=duty_check_missed", headers=office).json()
    assert missed["notices"] and {n["kind"] for n in missed["notices"]} == {"duty_check_missed"}
    times = [n["created_at"] for n in notices]
    assert times == sorted(times, reverse=True), "newest first"
    later = c.client.get(
        "/api/v1/roster/notices",
        params={"since": (at(10) + timedelta(minutes=11)).isoformat()},
        headers=office,
    ).json()["notices"]
    assert later and all(n["kind"] == "duty_check_missed" for n in later)
    other = {"Authorization": f"Bearer {c.tokens['wsh']}"}
    assert c.client.get("/api/v1/roster/notices", headers=other).json()["notices"] == []
    own = {"Authorization": f"Bearer {c.tokens['qdh']}"}
    mine = c.client.get("/api/v1/roster/notices", headers=own).json()["notices"]
    assert mine and {n["unit"] for n in mine} == {"qdh"}


def test_bad_queries_are_refused_clearly(database_url: str) -> None:
    c = county(database_url, start=at(10))
    office = {"Authorization": f"Bearer {c.office_token}"}
    for query in ("kind=everything", "limit=0", "limit=501", "since=yesterday"):
        answer = c.client.get(f"/api/v1/roster/notices?{query}", headers=office)
        assert answer.status_code == 422, (query, answer.text)
        error = answer.json()["error"]
        assert (
            error["code"] == "invalid"
            and error["fields"][0]["field"] == "query." + query.split("=")[0]
        )
    assert c.client.get("/api/v1/roster/notices").status_code == 401
