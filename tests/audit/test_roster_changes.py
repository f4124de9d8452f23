"""Roster changes are audited as the API caller's or the dashboard user's: rotations, overrides,
special periods, swap requests and their decisions, and month imports (each day and role whose
holder changed, from whom to whom); a refused request or file leaves no row."""

from __future__ import annotations

from typing import Any

from tests.audit.changes import after, audit_rows
from tests.builders import County, at, county, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in
from tests.roster.files import LEADERS, OFFICERS, add_people, csv_file, month_rows


def api(c: County, path: str, token: str | None = None, **body: Any) -> Any:
    """POST to the API as the office unless another token is given."""
    return c.client.post(
        path, json=body, headers={"Authorization": f"Bearer {token or c.office_token}"}
    )


def test_rotations_overrides_and_special_periods_name_the_caller(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    ids = seed_roster(database_url, start=at(0, day=1))
    duty, leader = ids[("qdh", "duty_officer")], ids[("qdh", "leader")]
    made = api(
        c,
        "/api/v1/roster/rotations",
        unit="qdh",
        role="duty_officer",
        cadence="week",
        starts_on="2026-11-23",
        changes_at=["08:30"],
        members=[duty, leader],
        label="十一月轮班",
    )
    assert made.status_code == 201, made.text
    starts, ends = at(8, 30, day=22).isoformat(), at(8, 30, day=23).isoformat()
    override = {"role": "leader_on_duty", "person_id": leader, "starts_at": starts, "ends_at": ends}
    answer = api(c, "/api/v1/roster/overrides", c.tokens["qdh"], unit="qdh", **override)
    assert answer.status_code == 201, answer.text
    flood = {"name": "汛期", "kind": "flood_season", "starts_on": "2026-06-01"}
    assert (
        api(c, "/api/v1/roster/special-periods", ends_on="2026-09-30", **flood).status_code == 201
    )

    rotation, assignment, period = audit_rows(database_url)
    assert (rotation.entity, rotation.action, rotation.actor) == (
        "rotation",
        "create",
        "api:county",
    )
    assert rotation.ref == "qdh duty_officer" and rotation.entity_id == made.json()["id"]
    assert after(rotation, "members") == [duty, leader] and after(rotation, "changes_at") == [
        "08:30"
    ]
    assert after(rotation, "starts_on") == "2026-11-23" and "ends_on" not in rotation.changes
    assert rotation.at == at(9, 10)
    assert (assignment.entity, assignment.actor, assignment.ref) == (
        "assignment",
        "api:qdh",
        "qdh leader_on_duty",
    )
    assert after(assignment, "starts_at") == "2026-11-22T00:30:00+00:00", "UTC, one form"
    assert after(assignment, "source") == "override" and after(assignment, "person_id") == leader
    assert (period.entity, period.ref, after(period, "ends_on")) == (
        "special_period",
        "汛期",
        "2026-09-30",
    )


def test_refused_roster_requests_leave_no_row(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    ids = seed_roster(database_url, start=at(0, day=1))
    stranger = ids[("wsh", "duty_officer")]
    rotation = {"role": "duty_officer", "cadence": "week", "starts_on": "2026-11-23"}
    refused = [
        api(
            c,
            "/api/v1/roster/rotations",
            unit="qdh",
            changes_at=["08:30"],
            members=[stranger],
            **rotation,
        ),
        api(
            c,
            "/api/v1/roster/rotations",
            unit="qdh",
            changes_at=["08:30", "20:30"],
            members=[ids[("qdh", "leader")]],
            **rotation,
        ),
        api(
            c,
            "/api/v1/roster/rotations",
            c.tokens["wsh"],
            unit="qdh",
            changes_at=["08:30"],
            members=[ids[("qdh", "leader")]],
            **rotation,
        ),
        api(
            c,
            "/api/v1/roster/overrides",
            unit="qdh",
            role="leader",
            person_id=ids[("qdh", "leader")],
            starts_at=at(10).isoformat(),
            ends_at=at(9).isoformat(),
        ),
        api(
            c,
            "/api/v1/roster/special-periods",
            name="汛期",
            kind="flood_season",
            starts_on="2026-09-30",
            ends_on="2026-06-01",
        ),
        api(
            c,
            "/api/v1/roster/swaps",
            unit="qdh",
            role="duty_officer",
            from_person_id=stranger,
            to_person_id=stranger,
            starts_at=at(10).isoformat(),
            ends_at=at(11).isoformat(),
        ),
    ]
    assert [r.status_code for r in refused] == [422, 422, 403, 422, 422, 422]
    assert audit_rows(database_url) == []


def _swap(c: County, ids: dict[tuple[str, str], int]) -> int:
    answer = api(
        c,
        "/api/v1/roster/swaps",
        c.tokens["qdh"],
        unit="qdh",
        role="duty_officer",
        from_person_id=ids[("qdh", "duty_officer")],
        to_person_id=ids[("qdh", "leader")],
        starts_at=at(8, 30, day=22).isoformat(),
        ends_at=at(8, 30, day=23).isoformat(),
        reason="家中有事",
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_a_swap_is_audited_when_asked_for_and_when_decided(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    ids = seed_roster(database_url, start=at(0))
    leader = ids[("county", "leader_on_duty")]
    first, second = _swap(c, ids), _swap(c, ids)
    asked = audit_rows(database_url, entity="swap")
    assert [(r.action, r.actor, r.entity_id) for r in asked] == [
        ("create", "api:qdh", first),
        ("create", "api:qdh", second),
    ]
    assert after(asked[0], "state") == "pending" and after(asked[0], "reason") == "家中有事"

    not_leader = {"person_id": ids[("county", "duty_officer")]}
    assert api(c, f"/api/v1/roster/swaps/{first}/approve", **not_leader).status_code == 403
    assert len(audit_rows(database_url)) == 2, "a refused decision records nothing"
    assert api(c, f"/api/v1/roster/swaps/{first}/approve", person_id=leader).status_code == 200
    assert api(c, f"/api/v1/roster/swaps/{first}/reject", person_id=leader).status_code == 409

    add_user(database_url, "leader", "leader", "county", at(0), person_id=leader)
    assert sign_in(c.client, "leader").status_code == 303
    token = csrf_from(c.client.get("/roster").text)
    answer = c.client.post(
        f"/roster/swaps/{second}/reject", data={"csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    approved, rejected = audit_rows(database_url, entity="swap")[2:]
    assert (approved.action, approved.actor, approved.entity_id) == ("approve", "api:county", first)
    assert approved.changes == {
        "decided_at": {"before": None, "after": "2026-11-21T01:10:00+00:00"},
        "decided_by_person_id": {"before": None, "after": leader},
        "state": {"before": "pending", "after": "approved"},
    }
    assert (rejected.action, rejected.actor) == ("reject", "dashboard:leader")
    assert rejected.changes["state"] == {"before": "pending", "after": "rejected"}
    assert len(audit_rows(database_url)) == 4


def _import(c: County, data: bytes, token: str | None = None) -> Any:
    return c.client.post(
        "/api/v1/roster/import?unit=qdh&month=2026-11",
        files={"file": ("十一月.csv", data, "text/csv")},
        headers={"Authorization": f"Bearer {token or c.office_token}"},
    )


def test_an_import_records_each_day_and_role_whose_holder_changed(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    people = add_people(database_url)
    rows = month_rows()
    assert _import(c, csv_file(rows)).status_code == 200
    (first,) = audit_rows(database_url)
    assert (first.entity, first.action, first.actor, first.ref) == (
        "roster_import",
        "import",
        "api:county",
        "qdh 2026-11",
    )
    assert first.changes["shifts"] == {"before": 0, "after": 90}
    assert "import 2026-11 十一月.csv" in after(first, "note")
    zhang = f"{OFFICERS[0][0]} #{people[OFFICERS[0][0]]}"
    assert first.changes["2026-11-01 duty_officer"] == {"before": None, "after": zhang}
    assert len([k for k in first.changes if k.startswith("2026-11-")]) == 90

    c.clock.set(at(10))
    rows[1][1:3] = list(OFFICERS[0])  # the 2nd: 张 instead of 陈
    rows[4][5:7] = list(LEADERS[1])  # the 5th: 黄 instead of 刘
    assert _import(c, csv_file(rows), c.tokens["qdh"]).status_code == 200
    second = audit_rows(database_url)[1]
    chen = f"{OFFICERS[1][0]} #{people[OFFICERS[1][0]]}"
    liu, huang = (f"{n} #{people[n]}" for n in (LEADERS[0][0], LEADERS[1][0]))
    assert second.actor == "api:qdh" and second.at == at(10)
    assert {k: v for k, v in second.changes.items() if k.startswith("2026")} == {
        "2026-11-02 duty_officer": {"before": chen, "after": zhang},
        "2026-11-05 leader_on_duty": {"before": liu, "after": huang},
    }
    assert second.changes["shifts"] == {"before": 90, "after": 90}

    rows[0][2] = "12345"
    assert _import(c, csv_file(rows)).status_code == 422
    assert len(audit_rows(database_url)) == 2, "a refused file records nothing"


def test_a_dashboard_upload_is_audited_as_its_user(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    add_people(database_url)
    add_user(database_url, "qdhuser", "unit_officer", "qdh", at(0))
    assert sign_in(c.client, "qdhuser").status_code == 303
    token = csrf_from(c.client.get("/roster").text)
    answer = c.client.post(
        "/roster/upload",
        data={"csrf_token": token, "unit": "qdh", "month": "2026-11"},
        files={"file": ("r.csv", csv_file(month_rows(days=3)))},
    )
    assert answer.status_code == 200, answer.text
    (row,) = audit_rows(database_url)
    assert (row.actor, row.entity, row.ref) == ("dashboard:qdhuser", "roster_import", "qdh 2026-11")
    assert row.changes["shifts"] == {"before": 0, "after": 9}
