"""docs/scenarios.md: scenarios that concern filings and clocks, end to end through the webhook."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import at, county, followup, initial, obligation


def test_scenario_1_initial_within_two_hours_is_met(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    response = c.post(initial())
    assert response.status_code == 201, response.text
    k1 = obligation(response.json(), "initial")
    assert (k1["status"], k1["due_at"], k1["owed_by"]) == ("met", at(10).isoformat(), "qdh")


def test_scenarios_2_and_3_upward_and_followups_from_occurrence(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(12, 30))
    answer = c.post(
        {"kind": "upward", "incident_id": incident_id, "description": "县里向市里报告"},
        token=c.office_token,
    ).json()
    k4 = obligation(answer, "upward")
    assert (k4["status"], k4["due_at"], k4["late_minutes"], k4["owed_by"]) == (
        "late",
        at(12).isoformat(),
        30,
        "county",
    )
    c.clock.set(at(13))
    answer = c.post(followup(incident_id)).json()
    unit_followup = obligation(answer, "followup:unit:1")
    assert (unit_followup["status"], unit_followup["due_at"]) == ("met", at(13, 10).isoformat())
    office_followup = obligation(answer, "followup:office:1")
    assert (office_followup["status"], office_followup["due_at"]) == (
        "pending",
        at(16, 30).isoformat(),
    )
    c.clock.set(at(17, 10))
    answer = c.post(followup(incident_id), token=c.office_token).json()
    office_followup = obligation(answer, "followup:office:1")
    assert (office_followup["status"], office_followup["late_minutes"]) == ("late", 40)


def test_scenario_2_upward_counted_from_county_receipt(database_url: str) -> None:
    c = county(database_url, start=at(9, 10), rules__upward_counted_from="county_receipt")
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(12, 30))
    answer = c.post(
        {"kind": "upward", "incident_id": incident_id, "description": "上报"}, token=c.office_token
    ).json()
    k4 = obligation(answer, "upward")
    assert (k4["status"], k4["due_at"]) == ("met", at(13, 10).isoformat())


def test_scenario_4_phone_log_meets_k1_and_written_report_is_late(database_url: str) -> None:
    c = county(database_url, start=at(22, 10))
    phone = initial(
        kind="phone",
        unit="qdh",
        severity="II",
        occurred_at=at(21, 40).isoformat(),
        learned_at=at(21, 45).isoformat(),
        signed_by=None,
        already_reported_to=[],
    )
    answer = c.post(phone, token=c.office_token).json()
    assert obligation(answer, "initial")["status"] == "met"
    written = obligation(answer, "written")
    assert (written["status"], written["due_at"]) == ("pending", at(23, 45).isoformat())
    c.clock.set(at(0, 5, day=22))
    answer = c.post(
        initial(
            incident_id=answer["incident_id"],
            severity="II",
            occurred_at=at(21, 40).isoformat(),
            learned_at=at(21, 45).isoformat(),
        )
    ).json()
    written = obligation(answer, "written")
    assert (written["status"], written["late_minutes"]) == ("late", 20)
    assert obligation(answer, "initial")["status"] == "met"


def test_scenario_5_unknown_dead_accepted_in_initial_rejected_in_final(database_url: str) -> None:
    c = county(database_url)
    casualties = {
        "dead": "unknown",
        "missing": 0,
        "seriously_injured": 0,
        "injured": 0,
        "trapped": 0,
    }
    response = c.post(initial(casualties=casualties))
    assert response.status_code == 201
    assert any(w["field"] == "casualties.dead" for w in response.json()["warnings"])
    incident_id = response.json()["incident_id"]
    before = c.incident(incident_id)
    c.clock.advance(timedelta(hours=1))
    final = c.post({"kind": "final", "incident_id": incident_id, "description": "处置完毕"})
    assert final.status_code == 422
    assert [f["field"] for f in final.json()["error"]["fields"]] == ["casualties.dead"]
    assert c.incident(incident_id)["filings"] == before["filings"]


def test_scenario_6_registered_elsewhere_then_reported_late_after_chasing(
    database_url: str,
) -> None:
    c = county(database_url, start=at(15))
    register = {
        "kind": "register",
        "unit": "qdh",
        "occurred_at": at(11, 30).isoformat(),
        "category": "accident",
        "severity": "III",
        "title": "某村民房火灾",
        "description": "媒体报道：某村民房起火",
    }
    answer = c.post(register, token=c.office_token).json()
    k1 = obligation(answer, "initial")
    assert (k1["status"], k1["due_at"]) == ("pending", at(13, 30).isoformat())
    c.clock.set(at(15, 40))
    answer = c.post(
        initial(
            incident_id=answer["incident_id"],
            occurred_at=at(11, 30).isoformat(),
            learned_at=at(11, 40).isoformat(),
        )
    ).json()
    k1 = obligation(answer, "initial")
    assert (k1["status"], k1["due_at"], k1["late_minutes"], k1["after_chasing"]) == (
        "late",
        at(13, 40).isoformat(),
        120,
        True,
    )
    incident = c.incident(answer["incident_id"])
    assert {"concealment_suspected", "after_chasing"} <= {f["code"] for f in incident["flags"]}


def test_scenario_9_final_due_a_day_after_handling_finished(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(18, day=22))
    answer = c.post(followup(incident_id, handling_finished=True)).json()
    final = obligation(answer, "final:unit")
    assert (final["status"], final["due_at"]) == ("pending", at(18, day=23).isoformat())
    assert answer["incident"]["state"] == "handling_finished"
    c.clock.set(at(12, day=23))
    answer = c.post({"kind": "final", "incident_id": incident_id, "description": "终报"}).json()
    assert obligation(answer, "final:unit")["status"] == "met"
    assert answer["incident"]["state"] == "closed"
    again = c.post(followup(incident_id))
    assert again.status_code == 409


def test_done_when_three_hours_ago_is_late_by_sixty_minutes(database_url: str) -> None:
    c = county(database_url, start=at(11))
    answer = c.post(initial()).json()
    k1 = obligation(answer, "initial")
    assert (k1["status"], k1["late_minutes"]) == ("late", 60)


def test_done_when_one_hour_ago_is_met_and_upward_pending_four_hours_after(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9))
    answer = c.post(initial()).json()
    assert obligation(answer, "initial")["status"] == "met"
    k4 = obligation(answer, "upward")
    assert (k4["status"], k4["due_at"], k4["owed_by"]) == ("pending", at(12).isoformat(), "county")


def test_done_when_severity_raise_replans_followups(database_url: str) -> None:
    c = county(database_url, start=at(9))
    answer = c.post(initial(severity="IV")).json()
    first = obligation(answer, "followup:unit:1")
    assert first["due_at"] == at(17, day=22).isoformat()  # IV: daily by 17:00, next day
    assert not [o for o in answer["obligations"] if o["kind"] == "upward"]
    c.clock.set(at(10))
    answer = c.post(followup(answer["incident_id"], severity="II")).json()
    assert obligation(answer, "followup:unit:1")["status"] == "met"
    assert obligation(answer, "followup:unit:2")["due_at"] == at(14).isoformat()
    k4 = obligation(answer, "upward")
    assert (k4["status"], k4["due_at"]) == ("pending", at(12).isoformat())
    timeline = c.incident(answer["incident_id"])["timeline"]
    assert any(
        e["kind"] == "grade_changed" and e["data"] == {"from": "IV", "to": "II"} for e in timeline
    )


def _register(**overrides: object) -> dict[str, object]:
    body = {
        "kind": "register",
        "unit": "qdh",
        "occurred_at": at(8).isoformat(),
        "category": "accident",
        "severity": "III",
        "title": "脚手架坍塌（媒体）",
        "description": "县里从媒体获知",
    }
    return {**body, **overrides}


def test_registered_change_chases_the_unit_for_a_change_report(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(11))
    answer = c.post(
        _register(incident_id=incident_id, casualties={"dead": 2}), token=c.office_token
    )
    assert answer.status_code == 201, answer.text
    change = obligation(answer.json(), "change:unit:1")
    assert (change["status"], change["due_at"], change["owed_by"]) == (
        "pending",
        at(12).isoformat(),
        "qdh",
    )
    assert c.incident(incident_id)["filings"][-1]["party"] == "office"
    c.clock.set(at(11, 30))
    answer = c.post(followup(incident_id, casualties={"dead": 2}))
    assert obligation(answer.json(), "change:unit:1")["status"] == "met"


def test_registered_change_after_closing_reopens_within_the_window(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(10))
    assert (
        c.post({"kind": "final", "incident_id": incident_id, "description": "终报"}).status_code
        == 201
    )
    c.clock.set(at(10, day=25))
    answer = c.post(
        _register(incident_id=incident_id, casualties={"dead": 1}), token=c.office_token
    ).json()
    assert answer["incident"]["state"] == "open"  # reopened, owing a change report
    assert obligation(answer, "change:unit:1")["due_at"] == at(11, day=25).isoformat()
    assert c.post(followup(incident_id, casualties={"dead": 1})).status_code == 201
    assert c.incident(incident_id)["state"] == "closed"


def test_figures_that_imply_a_higher_grade_warn_of_under_grading(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    casualties = {"dead": 12, "missing": 0, "seriously_injured": 0, "injured": 0, "trapped": 0}
    answer = c.post(initial(casualties=casualties)).json()
    warning = next(w for w in answer["warnings"] if w["code"] == "under_graded")
    assert warning["field"] == "severity"
    assert "II" in warning["message"] and "III" in warning["message"]
    assert [f["code"] for f in c.incident(answer["incident_id"])["flags"]] == ["under_graded"]


def test_reporting_above_the_county_first_is_a_chain_breach(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    above = [{"to": "市应急管理局", "at": at(8, 30).isoformat(), "level": "city"}]
    answer = c.post(initial(already_reported_to=above)).json()
    assert "chain_breach" in [w["code"] for w in answer["warnings"]]


def test_the_contracts_shape_without_a_level_is_recognised_by_name(database_url: str) -> None:
    """CONTRACT.md's `already_reported_to` has only `to` and `at`: a name from
    `rules.chain.higher_offices`, or of an office above the county in the unit tree, is above."""
    c = county(database_url, start=at(9, 10))
    for to, breach in (("市应急管理局", True), ("市政府总值班室", True), ("县应急管理局", False)):
        body = initial(
            external_ref=to, already_reported_to=[{"to": to, "at": at(8, 30).isoformat()}]
        )
        answer = c.post(body).json()
        codes = [w["code"] for w in answer["warnings"]]
        assert ("chain_breach" in codes) is breach, to


def test_a_followup_naming_a_report_above_made_after_the_county_heard_is_no_breach(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(12))
    later = [{"to": "市应急管理局", "level": "city", "at": at(10).isoformat()}]
    answer = c.post(followup(incident_id, already_reported_to=later)).json()
    assert "chain_breach" not in [w["code"] for w in answer["warnings"]]
    assert c.incident(incident_id)["flags"] == []


def test_a_lawful_level_skip_with_a_reason_and_the_county_told_at_once_is_accepted(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    skipped = [{"to": "市应急管理局", "at": at(9, 0).isoformat(), "reason": "危化品泄漏，直报市局"}]
    answer = c.post(initial(already_reported_to=skipped)).json()
    assert "chain_breach" not in [w["code"] for w in answer["warnings"]]


def test_duty_room_declares_handling_finished_with_a_register_filing(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(18))
    note = {
        "kind": "register",
        "unit": "qdh",
        "incident_id": incident_id,
        "description": "现场处置完毕",
        "handling_finished": True,
    }
    answer = c.post(note, token=c.office_token)
    assert answer.status_code == 201, answer.text
    final = obligation(answer.json(), "final:unit")
    assert (final["status"], final["due_at"]) == ("pending", at(18, day=22).isoformat())
    assert answer.json()["incident"]["state"] == "handling_finished"
