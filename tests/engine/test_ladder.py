"""The escalation ladder end to end: filings, a frozen clock, engine ticks, dry channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.escalation.ladder import ack_code
from tests.builders import at, county, followup, initial, phone_of, seed_roster


def _to(c: Any, channel: str = "sms") -> list[str]:
    return [m.to for m in c.sent(channel)]


def _upward(incident_id: int) -> dict[str, Any]:
    return {"kind": "upward", "incident_id": incident_id, "description": "县里向市里报告"}


def test_scenario_2_at_upward_due_the_section_head_and_leader_on_duty_get_an_sms(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    incident_id = c.post(initial()).json()["incident_id"]
    c.at_tick(at(11, 29))
    assert phone_of("county", "section_head") not in _to(c)
    c.at_tick(at(11, 30))  # 30 minutes before K4: the county duty officer is reminded
    assert _to(c) == [phone_of("county", "duty_officer")]
    c.at_tick(at(12))
    told = set(_to(c)[1:])
    assert told == {phone_of("county", "section_head"), phone_of("county", "leader_on_duty")}
    assert phone_of("county", "section_head") in _to(c, "voice")
    incident = c.incident(incident_id)
    fired = [e for e in incident["escalations"] if e["obligation_id"] == _id(incident, "upward")]
    assert [e["step"] for e in fired] == ["remind", "due"]
    assert all(e["late_seconds"] == 0 for e in fired)


def test_scenario_3_followup_ladder_then_a_late_report_stops_it(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(12, 30))
    c.post(_upward(incident_id), token=c.office_token)
    c.clock.set(at(13))
    c.post(followup(incident_id))
    before = len(c.sent())
    c.at_tick(at(16, 30))
    assert set(_to(c)[before:]) >= {
        phone_of("county", "section_head"),
        phone_of("county", "leader_on_duty"),
    }
    c.at_tick(at(17))
    assert phone_of("county", "director") in _to(c)
    c.clock.set(at(17, 10))
    answer = c.post(followup(incident_id), token=c.office_token).json()
    late = next(o for o in answer["obligations"] if o["key"] == "followup:office:1")
    assert (late["status"], late["late_minutes"]) == ("late", 40)
    c.at_tick(at(17, 30))
    c.at_tick(at(18, 30))
    incident = c.incident(incident_id)
    steps = [
        e["step"]
        for e in incident["escalations"]
        if e["obligation_id"] == _id(incident, "followup:office:1")
    ]
    assert steps == ["remind", "due", "due+30m"], "the report ended the ladder"


def test_full_unit_ladder_climbs_to_the_top_and_repeats_hourly(database_url: str) -> None:
    c = county(database_url, start=at(8))
    seed_roster(database_url, start=at(0))
    phone = initial(
        kind="phone",
        unit="qdh",
        signed_by=None,
        occurred_at=at(7, 50).isoformat(),
        learned_at=at(7, 55).isoformat(),
        already_reported_to=[],
    )
    incident_id = c.post(phone, token=c.office_token).json()["incident_id"]  # K2 due 9:55
    for moment in (at(9, 25), at(9, 55), at(10, 25), at(10, 55), at(11, 55), at(12, 55)):
        c.at_tick(moment)
    incident = c.incident(incident_id)
    steps = [
        e["step"] for e in incident["escalations"] if e["obligation_id"] == _id(incident, "written")
    ]
    assert steps == ["remind", "due", "due+30m", "due+60m", "due+60m#2", "due+60m#3"]
    written = [
        n for n in incident["notifications"] if n["obligation_id"] == _id(incident, "written")
    ]
    to_leader = [n["channel"] for n in written if n["to"] == phone_of("county", "director")]
    assert sorted(to_leader) == ["sms"] * 3 + ["voice"] * 3
    to_leader = [(n["channel"], n["to"]) for n in written if "13900000025" in n["to"]]
    assert (
        to_leader == [("email", "13900000025@example.gov.cn")] * 3
    )  # the county leader: email only


def test_acknowledgement_pauses_the_ladder_and_it_resumes(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    incident_id = c.post(initial()).json()["incident_id"]
    c.at_tick(at(12))  # K4 due: section head and leader on duty told
    k4 = _id(c.incident(incident_id), "upward")
    c.clock.set(at(12, 20))
    ack = c.client.post(
        f"/api/v1/obligations/{k4}/acknowledge",
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert ack.status_code == 201
    c.at_tick(at(12, 30))  # due+30m falls in the pause (until 12:50)
    assert phone_of("county", "director") not in _to(c)
    c.at_tick(at(12, 50))
    assert phone_of("county", "director") in _to(c)
    incident = c.incident(incident_id)
    step = next(e for e in incident["escalations"] if e["step"] == "due+30m")
    assert step["scheduled_at"] == at(12, 50).isoformat()
    assert [a["via"] for a in incident["acknowledgements"]] == ["api"]
    assert any(e["kind"] == "acknowledged" for e in incident["timeline"])


def test_report_mid_ladder_stops_it(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    incident_id = c.post(initial()).json()["incident_id"]
    c.at_tick(at(12))
    c.clock.set(at(12, 10))
    c.post(_upward(incident_id), token=c.office_token)
    count = len(c.sent())
    c.at_tick(at(12, 30))
    c.at_tick(at(13, 30))
    directors = [m for m in c.sent()[count:] if m.to == phone_of("county", "director")]
    assert directors == []


def test_a_vacant_rung_goes_to_the_fallback_at_its_own_time_and_is_recorded(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(
        database_url, start=at(0), skip=(("county", "section_head"), ("county", "leader_on_duty"))
    )
    incident_id = c.post(initial()).json()["incident_id"]
    c.at_tick(at(12))
    incident = c.incident(incident_id)
    k4 = _id(incident, "upward")
    due = next(e for e in incident["escalations"] if e["step"] == "due")
    told = {
        (n["to"], n["channel"])
        for n in incident["notifications"]
        if n["escalation_id"] == due["id"]
    }
    duty_officer = phone_of("county", "duty_officer")
    assert told == {(duty_officer, "sms"), (duty_officer, "voice")}  # the fallback, for both
    assert due["gaps"] == ["office.section_head", "office.leader_on_duty"]
    fired = [e["step"] for e in incident["escalations"] if e["obligation_id"] == k4]
    assert fired == ["remind", "due"]  # due+30m (the director) waits for 12:30
    vacant = [e["data"]["role"] for e in incident["timeline"] if e["kind"] == "role_vacant"]
    assert vacant == ["office.section_head", "office.leader_on_duty"]
    gaps = c.client.get(
        "/api/v1/roster/gaps", headers={"Authorization": f"Bearer {c.office_token}"}
    ).json()
    assert sorted((v["unit"], v["role"], v["step"]) for v in gaps["vacancies"]) == [
        ("county", "leader_on_duty", "due"),
        ("county", "section_head", "due"),
    ]


def test_with_nobody_on_duty_no_step_fires_before_its_own_moment(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]  # no roster at all; K4 due 12:00
    expected = {
        at(11, 30): ["remind"],
        at(11, 59): ["remind"],
        at(12): ["remind", "due"],
        at(12, 29): ["remind", "due"],
        at(12, 30): ["remind", "due", "due+30m"],
    }
    for moment, steps in expected.items():
        c.at_tick(moment)
        incident = c.incident(incident_id)
        assert [e["step"] for e in incident["escalations"]] == steps, moment
        for step in incident["escalations"]:
            assert step["late_seconds"] >= 0, step
            assert datetime.fromisoformat(step["scheduled_at"]) <= moment, step
    assert c.sent() == []


def test_classified_incident_sends_no_content(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    c.post(initial(classified=True))
    c.at_tick(at(12))
    bodies = [m.text for m in c.sent()] + [m.text for m in c.sent("voice")]
    assert bodies
    assert all("脚手架" not in text and "千岛湖镇" not in text for text in bodies)
    assert all("/ack/" in m.text for m in c.sent())


def test_scenario_13_killed_while_a_step_is_due_fires_once_after_restart(database_url: str) -> None:
    first = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    incident_id = first.post(initial()).json()["incident_id"]
    first.at_tick(at(11, 59))
    first.client.__exit__(None, None, None)  # the service is killed; 12:00 passes while it is down
    from tests.builders import dry_notifiers

    second = _restart(first, at(12, 1), dry_notifiers())
    second.tick()
    second.tick()
    assert sorted(_to(second)) == sorted(
        [phone_of("county", "section_head"), phone_of("county", "leader_on_duty")]
    )
    due = next(e for e in second.incident(incident_id)["escalations"] if e["step"] == "due")
    assert due["late_seconds"] == 60
    fired = [e for e in second.incident(incident_id)["timeline"] if e["kind"] == "escalation_fired"]
    assert fired[-1]["data"]["late_seconds"] == 60


def test_a_burst_to_one_person_is_bundled_into_one_message(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    for _ in range(3):
        c.post(initial())
    c.at_tick(at(12))
    to_head = [m for m in c.sent() if m.to == phone_of("county", "section_head")]
    assert len(to_head) == 1
    assert "3项" in to_head[0].text


def _restart(old: Any, moment: Any, notifiers: Any) -> Any:
    from fastapi.testclient import TestClient

    from alerts.app import create_app
    from tests.builders import _OPEN_CLIENTS, County

    old.clock.set(moment)
    client = TestClient(
        create_app(old.settings, clock=old.clock, notifiers=notifiers, run_scheduler=False)
    )
    client.__enter__()
    _OPEN_CLIENTS.append(client)
    return County(client, old.clock, old.settings, old.office_token, old.tokens, notifiers)


def _id(incident: dict[str, Any], key: str) -> int:
    return next(o["id"] for o in incident["obligations"] if o["key"] == key)


def test_ack_links_are_signed_with_a_key_even_without_one_configured(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    from itsdangerous import TimestampSigner

    forged = TimestampSigner("", salt="jibao-ack").sign("1.0").decode()
    assert c.client.get(f"/ack/{forged}").status_code == 404


def test_metrics_count_filings_and_fired_steps(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    c.post(initial())
    c.at_tick(at(12))
    text = c.client.get("/metrics").text
    assert 'jibao_filings_total{kind="initial"} 1.0' in text
    fired = [line for line in text.splitlines() if line.startswith("jibao_escalation_steps_total ")]
    assert fired and float(fired[0].split()[1]) >= 2  # the reminder and the at-due step of K4


def test_the_email_states_the_configured_acknowledgement_pause(database_url: str) -> None:
    c = county(database_url, start=at(9, 10), escalation__ack_pause="1h15m")
    seed_roster(database_url, start=at(0))
    c.post(initial())
    c.at_tick(at(13))  # K4 due at 12:00; at due+60m the county leader is emailed
    emails = c.sent("email")
    assert emails
    for message in emails:
        assert "暂停催报 1 小时 15 分钟" in message.text
        assert message.html is not None and "暂停催报 1 小时 15 分钟" in message.html
        assert "30 分钟" not in message.html


def test_a_spent_ladder_falls_silent_then_one_digest_a_day_until_the_report(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    incident_id = c.post(initial()).json()["incident_id"]
    for moment in (at(12), at(13), at(17)):  # K4 due 12:00; due+60m at 13:00, repeats 14–17
        c.at_tick(moment)
    k4 = _id(c.incident(incident_id), "upward")
    steps = [e["step"] for e in c.incident(incident_id)["escalations"] if e["obligation_id"] == k4]
    assert steps[-1] == "due+60m#5", "four repeats after the first, then no more"
    leader = phone_of("county", "county_leader")  # the office ladder's last rung

    def digests(channel: str = "sms") -> list[str]:
        return [m.text for m in c.sent(channel) if "每日汇总" in m.text]

    c.at_tick(at(18))
    c.at_tick(at(7, 59, day=22))
    assert digests() == []
    steps_after = [e for e in c.incident(incident_id)["escalations"] if e["obligation_id"] == k4]
    assert len(steps_after) == len(steps), "the ladder fell silent"
    c.at_tick(at(8, day=22))
    to_leader = [m for m in c.sent() if m.to == leader and "每日汇总" in m.text]
    assert len(to_leader) == 1
    assert f"（{ack_code(k4)}）" in to_leader[0].text
    assert any("每日汇总" in text for text in digests("email"))  # and by email
    c.at_tick(at(9, day=22))
    c.at_tick(at(20, day=22))
    assert len([m for m in c.sent() if m.to == leader and "每日汇总" in m.text]) == 1
    c.at_tick(at(8, day=23))
    assert len([m for m in c.sent() if m.to == leader and "每日汇总" in m.text]) == 2
    c.clock.set(at(9, day=23))
    answer = c.post(_upward(incident_id), token=c.office_token).json()
    assert next(o for o in answer["obligations"] if o["id"] == k4)["status"] == "late"
    c.at_tick(at(8, day=24))
    texts = [m.text for m in c.sent() if m.to == leader and "每日汇总" in m.text]
    assert all(f"（{ack_code(k4)}）" not in text for text in texts[2:]), "reported: no longer owed"


def test_rate_limits_hold_a_fourth_message_in_15_minutes_and_bundle_what_waits(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    for minute in (0, 2, 4, 6, 8):  # five incidents: K4 due 12:00, 12:02, … 12:08
        moment = at(8, minute).isoformat()
        c.post(initial(occurred_at=moment, learned_at=moment, external_ref=f"R-{minute}"))
    head = phone_of("county", "section_head")
    for minute in (0, 2, 4, 6, 8, 14):
        c.at_tick(at(12, minute))
    to_head = [m for m in c.sent() if m.to == head]
    assert len(to_head) == 3, "at most three in 15 minutes"
    c.at_tick(at(12, 15))  # the 12:00 message leaves the window
    to_head = [m for m in c.sent() if m.to == head]
    assert len(to_head) == 4
    assert "2项" in to_head[-1].text, "the two that waited go as one"
