"""Roster duties end to end: rotations through the API, swaps that page only once approved,
handovers (scenario 10), gap alerts (scenario 11) and duty checks, on a frozen clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.builders import PEOPLE, at, county, initial, seed_roster


def _api(c: Any, method: str, path: str, token: str | None = None, **body: Any) -> Any:
    response = c.client.request(
        method,
        path,
        json=body or None,
        headers={"Authorization": f"Bearer {token or c.office_token}"},
    )
    return response


def _ids(database_url: str, c: Any, **kw: Any) -> dict[tuple[str, str], int]:
    return seed_roster(database_url, start=at(0, day=1), days=60, **kw)


def _phone(code: str, role: str) -> str:
    return "+86" + PEOPLE[(code, role)][1]


def _add_person(c: Any, database_url: str, unit: str, name: str, phone: str) -> int:
    from alerts.storage import models as m
    from alerts.storage.database import make_engine, make_session_factory
    from alerts.storage.queries import unit_by_code

    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        owner = unit_by_code(session, code=unit)
        assert owner is not None
        person = m.Person(
            unit_id=owner.id, name=name, post="值班员", phone=phone, email=None, created_at=at(0)
        )
        session.add(person)
        session.commit()
        person_id = person.id
    engine.dispose()
    return person_id


def test_weekly_rotation_resolves_across_the_monday_handover(database_url: str) -> None:
    c = county(database_url, start=at(9))
    _ids(database_url, c, skip=(("county", "duty_officer"),))
    other = _add_person(c, database_url, "county", "林值班", "13900000031")
    zhou = _add_person(c, database_url, "county", "周二值班", "13900000032")
    made = _api(
        c,
        "POST",
        "/api/v1/roster/rotations",
        unit="county",
        role="duty_officer",
        cadence="week",
        starts_on="2026-11-16",
        changes_at=["08:30"],
        members=[other, zhou],
    )
    assert made.status_code == 201, made.text

    def on(moment: datetime) -> list[str]:
        answer = c.client.get(
            "/api/v1/roster/on-duty",
            params={"at": moment.isoformat()},
            headers={"Authorization": f"Bearer {c.office_token}"},
        ).json()
        return [p["name"] for p in answer["roles"]["duty_officer"]]

    assert on(at(8, 29, day=23)) == ["林值班"]  # Monday 23rd, before the 08:30 change
    assert on(at(8, 30, day=23)) == ["周二值班"]
    assert on(at(23, 59, day=29)) == ["周二值班"]  # Sunday night
    assert on(at(8, 30, day=30)) == ["林值班"]


def test_unapproved_swap_pages_nobody_new_and_approval_needs_the_leader_on_duty(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    ids = _ids(database_url, c)
    stand_in = _add_person(c, database_url, "county", "替班员", "13900000033")
    swap = _api(
        c,
        "POST",
        "/api/v1/roster/swaps",
        unit="county",
        role="duty_officer",
        from_person_id=ids[("county", "duty_officer")],
        to_person_id=stand_in,
        starts_at=at(11).isoformat(),
        ends_at=at(14).isoformat(),
        reason="家中有事",
    ).json()
    c.post(initial())  # K4 due 12:00: the county duty officer is reminded at 11:30
    c.at_tick(at(11, 30))
    assert [m.to for m in c.sent()] == [_phone("county", "duty_officer")], "pending swap: unchanged"
    refused = _api(
        c,
        "POST",
        f"/api/v1/roster/swaps/{swap['id']}/approve",
        person_id=ids[("county", "director")],
    )
    assert refused.status_code == 403
    approved = _api(
        c,
        "POST",
        f"/api/v1/roster/swaps/{swap['id']}/approve",
        person_id=ids[("county", "leader_on_duty")],
    )
    assert approved.json()["state"] == "approved"
    assert (
        _api(
            c,
            "POST",
            f"/api/v1/roster/swaps/{swap['id']}/approve",
            person_id=ids[("county", "leader_on_duty")],
        ).status_code
        == 409
    )
    on = c.client.get(
        "/api/v1/roster/on-duty", headers={"Authorization": f"Bearer {c.office_token}"}
    )
    assert [p["name"] for p in on.json()["roles"]["duty_officer"]] == ["替班员"]


def test_scenario_10_unaccepted_handover_tells_the_leader_on_duty(database_url: str) -> None:
    c = county(database_url, start=at(7))
    _ids(database_url, c, skip=(("county", "duty_officer"),))
    night = _add_person(c, database_url, "county", "夜班员", "13900000034")
    day = _add_person(c, database_url, "county", "日班员", "13900000035")
    _api(
        c,
        "POST",
        "/api/v1/roster/overrides",
        unit="county",
        role="duty_officer",
        person_id=night,
        starts_at=at(8, 30, day=20).isoformat(),
        ends_at=at(8, 30).isoformat(),
    )
    _api(
        c,
        "POST",
        "/api/v1/roster/overrides",
        unit="county",
        role="duty_officer",
        person_id=day,
        starts_at=at(8, 30).isoformat(),
        ends_at=at(8, 30, day=22).isoformat(),
    )
    first = c.post(
        initial(occurred_at=at(6).isoformat(), learned_at=at(6).isoformat(), already_reported_to=[])
    ).json()["incident_id"]
    second = c.post(
        initial(
            title="另一事件",
            occurred_at=at(6, 30).isoformat(),
            learned_at=at(6, 30).isoformat(),
            already_reported_to=[],
        ),
        token=c.tokens["wsh"],
    ).json()["incident_id"]
    c.at_tick(at(8, 31))
    open_ = _api(c, "GET", "/api/v1/roster/handovers").json()["handovers"]
    assert len(open_) == 1
    handover = open_[0]
    assert (handover["outgoing"], handover["incoming"]) == ("夜班员", "日班员")
    assert {i["incident_id"] for i in handover["items"]} == {first, second}
    assert len(handover["items"]) >= 2
    notes = _api(
        c,
        "POST",
        f"/api/v1/roster/handovers/{handover['id']}/notes",
        person_id=night,
        notes="两起事件待续报",
    )
    assert notes.status_code == 200
    assert (
        _api(
            c, "POST", f"/api/v1/roster/handovers/{handover['id']}/accept", person_id=night
        ).status_code
        == 403
    )
    before = len(c.sent())
    c.at_tick(at(8, 44))
    assert _phone("county", "leader_on_duty") not in [m.to for m in c.sent()[before:]]
    c.at_tick(at(8, 46))
    told = [m for m in c.sent()[before:] if m.to == _phone("county", "leader_on_duty")]
    assert len(told) == 1 and "交接班" in told[0].text
    c.at_tick(at(8, 50))
    assert len([m for m in c.sent() if m.to == _phone("county", "leader_on_duty")]) == 1
    accepted = _api(c, "POST", f"/api/v1/roster/handovers/{handover['id']}/accept", person_id=day)
    assert accepted.json()["accepted"] is True


def test_scenario_11_gap_is_listed_and_the_director_told_once_48_hours_ahead(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, day=18))  # Wednesday
    seed_roster(database_url, start=at(0, day=1), days=60, skip=(("county", "leader_on_duty"),))
    leader = _add_person(c, database_url, "county", "带班甲", "13900000036")
    _api(
        c,
        "POST",
        "/api/v1/roster/overrides",
        unit="county",
        role="leader_on_duty",
        person_id=leader,
        starts_at=at(0, day=1).isoformat(),
        ends_at=at(0, day=21).isoformat(),
    )  # to Saturday 00:00
    _api(
        c,
        "POST",
        "/api/v1/roster/overrides",
        unit="county",
        role="leader_on_duty",
        person_id=leader,
        starts_at=at(0, day=22).isoformat(),
        ends_at=at(0, day=30).isoformat(),
    )  # from Sunday
    gaps = _api(c, "GET", "/api/v1/roster/gaps").json()["gaps"]
    assert [(g["unit"], g["role"], g["starts_at"], g["ends_at"]) for g in gaps] == [
        ("county", "leader_on_duty", at(0, day=21).isoformat(), at(0, day=22).isoformat())
    ]
    c.at_tick(at(23, 59, day=18))  # 48 h 1 min before the gap
    assert not [m for m in c.sent() if m.to == _phone("county", "director")]
    c.at_tick(at(0, 1, day=19))  # 47 h 59 min before
    told = [m for m in c.sent() if m.to == _phone("county", "director")]
    assert len(told) == 1 and "带班领导" in told[0].text
    assert [m.to for m in c.sent("email")].count("13900000024@example.gov.cn") == 1
    c.at_tick(at(3, day=20))
    c.at_tick(at(9, day=20))
    assert len([m for m in c.sent() if m.to == _phone("county", "director")]) == 1, "told once"


def test_duty_check_answered_in_time_or_escalated_to_the_unit_leader(database_url: str) -> None:
    c = county(database_url, start=at(10))
    _ids(database_url, c)
    first = _api(c, "POST", "/api/v1/roster/duty-checks", unit="qdh").json()
    c.tick()
    ping = [m for m in c.sent() if m.to == _phone("qdh", "duty_officer")]
    assert len(ping) == 1 and first["code"] in ping[0].text
    c.clock.set(at(10, 5))
    answered = c.client.post(
        f"/api/v1/roster/duty-checks/{first['id']}/answer",
        headers={"Authorization": f"Bearer {c.tokens['qdh']}"},
    )
    assert answered.json()["answered_in_time"] is True
    second = _api(c, "POST", "/api/v1/roster/duty-checks", unit="qdh").json()
    c.at_tick(at(10, 14))
    assert not [m for m in c.sent() if m.to == _phone("qdh", "leader")]
    c.at_tick(at(10, 16))
    c.at_tick(at(10, 30))
    told = [m for m in c.sent() if m.to == _phone("qdh", "leader")]
    assert len(told) == 1 and "查岗" in told[0].text
    record = _api(c, "GET", "/api/v1/roster/duty-checks").json()["record"]
    assert record["qdh"] == {"asked": 2, "answered": 1, "missed": 1}
    assert second["id"] != first["id"]
    assert (
        _api(c, "POST", "/api/v1/roster/duty-checks", token=c.tokens["qdh"], unit="qdh").status_code
        == 403
    )


def test_roster_api_refuses_bad_input_and_other_units(database_url: str) -> None:
    c = county(database_url, start=at(10))
    ids = _ids(database_url, c)
    cases = [
        (
            {
                "unit": "nowhere",
                "role": "duty_officer",
                "person_id": 1,
                "starts_at": at(1).isoformat(),
                "ends_at": at(2).isoformat(),
            },
            422,
        ),
        (
            {
                "unit": "qdh",
                "role": "janitor",
                "person_id": ids[("qdh", "leader")],
                "starts_at": at(1).isoformat(),
                "ends_at": at(2).isoformat(),
            },
            422,
        ),
        (
            {
                "unit": "qdh",
                "role": "leader",
                "person_id": ids[("wsh", "leader")],
                "starts_at": at(1).isoformat(),
                "ends_at": at(2).isoformat(),
            },
            422,
        ),
        (
            {
                "unit": "qdh",
                "role": "leader",
                "person_id": ids[("qdh", "leader")],
                "starts_at": at(2).isoformat(),
                "ends_at": at(1).isoformat(),
            },
            422,
        ),
        (
            {
                "unit": "qdh",
                "role": "leader",
                "person_id": ids[("qdh", "leader")],
                "starts_at": "2026-11-21T01:00:00",
                "ends_at": at(2).isoformat(),
            },
            422,
        ),
    ]
    for body, status in cases:
        assert _api(c, "POST", "/api/v1/roster/overrides", **body).status_code == status, body
    other = _api(
        c,
        "POST",
        "/api/v1/roster/overrides",
        token=c.tokens["wsh"],
        unit="qdh",
        role="leader",
        person_id=ids[("qdh", "leader")],
        starts_at=at(1).isoformat(),
        ends_at=at(2).isoformat(),
    )
    assert other.status_code == 403
    bad_rotation = _api(
        c,
        "POST",
        "/api/v1/roster/rotations",
        unit="qdh",
        role="leader_on_duty",
        cadence="day",
        starts_on="2026-11-01",
        changes_at=["08:30", "17:30"],
        members=[ids[("qdh", "leader")]],
    )
    assert bad_rotation.status_code == 422
    assert (
        _api(
            c,
            "GET",
            "/api/v1/roster/shifts?from=2026-11-21T00:00:00%2B08:00&to=2027-03-01T00:00:00%2B08:00",
        ).status_code
        == 422
    )
    assert c.client.get("/api/v1/roster/on-duty").status_code == 401


def test_special_periods_are_marked_and_listed(database_url: str) -> None:
    c = county(database_url, start=at(10))
    made = _api(
        c,
        "POST",
        "/api/v1/roster/special-periods",
        name="主汛期",
        kind="flood_season",
        starts_on="2027-06-01",
        ends_on="2027-09-30",
    )
    assert made.status_code == 201
    bad = _api(
        c,
        "POST",
        "/api/v1/roster/special-periods",
        name="x",
        kind="flood_season",
        starts_on="2027-06-01",
        ends_on="2027-05-01",
    )
    assert bad.status_code == 422
    assert (
        _api(
            c,
            "POST",
            "/api/v1/roster/special-periods",
            name="x",
            kind="picnic",
            starts_on="2027-06-01",
            ends_on="2027-06-02",
        ).status_code
        == 422
    )
    listed = c.client.get(
        "/api/v1/roster/special-periods", headers={"Authorization": f"Bearer {c.tokens['qdh']}"}
    ).json()
    assert [p["name"] for p in listed["special_periods"]] == ["主汛期"]
