"""Alertmanager's webhook as registrations: one incident per fingerprint, filed by the office for
the mapped unit through intake; a repeat that changes nothing is a no-op, a change or a
resolution a follow-up registration; a new firing after the incident closed a new incident."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from alerts.app import create_app
from tests.builders import (
    County,
    at,
    dry_notifiers,
    followup,
    initial,
    obligation,
    row_counts,
    settings,
)
from tests.sources.builders import (
    alert,
    alertmanager_source,
    county_with_sources,
    deliver,
    message,
    resolved,
)


def _taken(answer: Any) -> list[tuple[str, str]]:
    assert answer.status_code == 200, answer.text
    return [(a["status"], a["outcome"]) for a in answer.json()["alerts"]]


def _incidents(c: County) -> list[dict[str, Any]]:
    answer = c.client.get(
        "/api/v1/incidents?state=all", headers={"Authorization": f"Bearer {c.office_token}"}
    )
    assert answer.status_code == 200, answer.text
    incidents: list[dict[str, Any]] = answer.json()["incidents"]
    return incidents


def test_a_firing_alert_registers_one_incident_for_the_mapped_unit(database_url: str) -> None:
    c = county_with_sources(database_url)
    answer = deliver(c, message(alert()))
    assert _taken(answer) == [("firing", "registered")]
    [taken] = answer.json()["alerts"]
    assert taken["fingerprint"] == "1a30ba71cca2921f" and taken["filing_id"] is not None
    incident = c.incident(taken["incident_id"])
    assert incident["unit"] == "qdh" and incident["office"] == "county"
    assert incident["title"] == "新安江水库水位超过警戒线"
    assert (incident["category"], incident["severity"]) == ("natural_disaster", "II")
    assert incident["external_ref"] == "alertmanager:1a30ba71cca2921f"
    assert incident["occurred_at"] == at(9, 50).isoformat()
    [filing] = incident["filings"]
    assert (filing["kind"], filing["party"], filing["filed_by"]) == ("register", "office", "county")
    body = filing["body"]
    assert body["location"] == {"area": "千岛湖镇", "address": "新安江水库大坝"}
    assert body["description"].startswith("【监测告警·alertmanager】触发，始于 2026-11-21 09:50\n")
    assert "坝前水位 108.2 米" in body["description"]
    assert "标签：alertname=ReservoirLevelHigh，category=flood" in body["description"]
    # a registration chases the unit: K1 counts from occurrence, II is due within 2 hours
    k1 = obligation(incident, "initial")
    assert (k1["owed_by"], k1["status"], k1["due_at"]) == ("qdh", "pending", at(11, 50).isoformat())


def test_the_same_alert_again_changes_nothing(database_url: str) -> None:
    c = county_with_sources(database_url)
    first = deliver(c, message(alert())).json()["alerts"][0]
    before = row_counts(database_url)
    c.clock.advance(timedelta(minutes=5))  # Alertmanager's repeat_interval: the same group again
    again = deliver(c, message(alert()))
    assert _taken(again) == [("firing", "unchanged")]
    assert again.json()["alerts"][0] == {**first, "outcome": "unchanged", "filing_id": None}
    assert row_counts(database_url) == before


def test_a_resolved_alert_is_one_follow_up_and_does_not_finish_handling(
    database_url: str,
) -> None:
    c = county_with_sources(database_url)
    incident_id = deliver(c, message(alert())).json()["alerts"][0]["incident_id"]
    c.clock.advance(timedelta(minutes=20))
    assert _taken(deliver(c, message(resolved(at(10, 15))))) == [("resolved", "followed_up")]
    assert _taken(deliver(c, message(resolved(at(10, 15))))) == [("resolved", "unchanged")]
    incident = c.incident(incident_id)
    assert [f["kind"] for f in incident["filings"]] == ["register", "register"]
    follow_up = incident["filings"][1]["body"]
    assert follow_up["incident_id"] == incident_id
    assert follow_up["description"].startswith(
        "【监测告警·alertmanager】已恢复，始于 2026-11-21 09:50，恢复于 2026-11-21 10:15"
    )
    assert not follow_up["handling_finished"]
    # nothing but the status changed: the follow-up restates neither title nor grade
    assert not {"title", "severity", "category", "location", "occurred_at"} & set(follow_up)
    assert incident["state"] == "open"
    assert "final" not in {o["kind"] for o in incident["obligations"]}
    assert len(_incidents(c)) == 1


def test_a_group_of_two_alerts_registers_two_incidents(database_url: str) -> None:
    c = county_with_sources(database_url)
    gauge = alert()
    gas = alert(
        "GasLeak",
        fingerprint="bc97ff14869b13e3",
        labels={"category": "gas", "severity": "warning", "site": "化工园区 3 号罐"},
        annotations={"summary": "化工园区可燃气体浓度超限"},
    )
    answer = deliver(c, message(gauge, gas))
    assert _taken(answer) == [("firing", "registered"), ("firing", "registered")]
    ids = [a["incident_id"] for a in answer.json()["alerts"]]
    assert len(set(ids)) == 2
    second = c.incident(ids[1])
    assert (second["title"], second["category"], second["severity"]) == (
        "化工园区可燃气体浓度超限",
        "accident",
        "IV",
    )
    # the group again with one alert resolved: one follow-up, the other unchanged
    again = deliver(c, message(gauge, resolved(at(10, 5), **_gas_labels(gas))))
    assert _taken(again) == [("firing", "unchanged"), ("resolved", "followed_up")]
    assert len(_incidents(c)) == 2


def _gas_labels(gas: dict[str, Any]) -> dict[str, Any]:
    return {
        "fingerprint": gas["fingerprint"],
        "labels": gas["labels"],
        "annotations": gas["annotations"],
    }


def test_a_changed_annotation_or_grade_is_a_follow_up_saying_so(database_url: str) -> None:
    c = county_with_sources(database_url)
    incident_id = deliver(c, message(alert())).json()["alerts"][0]["incident_id"]
    higher = alert(annotations={"description": "坝前水位 108.9 米，超警戒 1.4 米"})
    assert _taken(deliver(c, message(higher))) == [("firing", "followed_up")]
    assert _taken(deliver(c, message(higher))) == [("firing", "unchanged")]
    graver = alert(labels={"severity": "warning"}, annotations={"description": "坝前水位 108.9 米"})
    assert _taken(deliver(c, message(graver))) == [("firing", "followed_up")]
    incident = c.incident(incident_id)
    bodies = [f["body"] for f in incident["filings"]]
    assert "108.9" in bodies[1]["description"] and "severity" not in bodies[1]
    assert bodies[2]["severity"] == "IV" and incident["severity"] == "IV"


def test_after_the_incident_closed_only_a_new_firing_registers_anew(database_url: str) -> None:
    c = county_with_sources(database_url)
    incident_id = deliver(c, message(alert())).json()["alerts"][0]["incident_id"]
    report = initial(incident_id=incident_id, external_ref=None, **_unit_facts())
    assert c.post(report).status_code == 201
    closed = c.post(followup(incident_id, kind="final", description="水位回落，处置结束"))
    assert closed.status_code == 201, closed.text
    assert c.incident(incident_id)["state"] == "closed"
    c.clock.set(at(10, 50))
    # the alert resolves later, and repeats: the closed incident takes nothing more
    assert _taken(deliver(c, message(resolved(at(10, 30))))) == [("resolved", "unchanged")]
    assert _taken(deliver(c, message(alert()))) == [("firing", "unchanged")]
    # it fires again: another start, another incident
    again = deliver(c, message(alert(starts=at(10, 40))))
    assert _taken(again) == [("firing", "registered")]
    assert again.json()["alerts"][0]["incident_id"] != incident_id
    assert len(_incidents(c)) == 2


def test_a_unit_restating_the_reference_does_not_split_the_alert(database_url: str) -> None:
    c = county_with_sources(database_url)
    incident_id = deliver(c, message(alert())).json()["alerts"][0]["incident_id"]
    own = c.post(initial(incident_id=incident_id, **_unit_facts()))
    assert own.status_code == 201, own.text
    assert c.incident(incident_id)["external_ref"] == "QH-2026-0117"
    assert _taken(deliver(c, message(alert()))) == [("firing", "unchanged")]
    assert _taken(deliver(c, message(resolved(at(10))))) == [("resolved", "followed_up")]
    assert len(_incidents(c)) == 1


def _unit_facts() -> dict[str, Any]:
    """The township's own initial report on the registered incident: no one hurt."""
    return {
        "occurred_at": at(9, 50).isoformat(),
        "learned_at": at(9, 55).isoformat(),
        "category": "natural_disaster",
        "casualties": {"dead": 0, "missing": 0, "seriously_injured": 0, "injured": 0, "trapped": 0},
        "already_reported_to": [],
    }


def test_the_token_may_come_in_the_path(database_url: str) -> None:
    c = county_with_sources(database_url)
    answer = c.client.post(f"/api/v1/sources/alertmanager/{c.office_token}", json=message(alert()))
    assert _taken(answer) == [("firing", "registered")]
    named = c.client.post(f"/api/v1/sources/alertmanager/{c.office_token}", json=message(alert()))
    assert _taken(named) == [("firing", "unchanged")]


def test_another_name_for_an_alertmanager_source(database_url: str) -> None:
    c = county_with_sources(database_url, alertmanager_source(name="reservoir", unit="wsh"))
    answer = deliver(c, message(alert()), name="reservoir")
    assert _taken(answer) == [("firing", "registered")]
    incident = c.incident(answer.json()["alerts"][0]["incident_id"])
    assert (incident["unit"], incident["external_ref"]) == ("wsh", "reservoir:1a30ba71cca2921f")
    by_path = c.client.post(f"/api/v1/sources/reservoir/{c.office_token}", json=message(alert()))
    assert _taken(by_path) == [("firing", "unchanged")]
    assert deliver(c, message(alert())).status_code == 404  # no source named alertmanager


def test_an_empty_group_files_nothing(database_url: str) -> None:
    c = county_with_sources(database_url)
    before = row_counts(database_url)
    answer = deliver(c, message())
    assert answer.json() == {"source": "alertmanager", "alerts": []}
    assert row_counts(database_url) == before


def test_a_source_remapped_to_another_unit_follows_up_where_the_incident_is(
    database_url: str,
) -> None:
    c = county_with_sources(database_url)
    incident_id = deliver(c, message(alert())).json()["alerts"][0]["incident_id"]
    remapped = settings(database_url, sources=[alertmanager_source(unit="wsh")])
    app = create_app(remapped, clock=c.clock, notifiers=dry_notifiers(), run_scheduler=False)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {c.office_token}"}
        answer = client.post(
            "/api/v1/sources/alertmanager", json=message(resolved(at(10))), headers=headers
        )
        assert _taken(answer) == [("resolved", "followed_up")]
        fresh = client.post(
            "/api/v1/sources/alertmanager",
            json=message(alert(fingerprint="ffff0000ffff0000")),
            headers=headers,
        )
        assert _taken(fresh) == [("firing", "registered")]
    incident = c.incident(incident_id)
    assert incident["unit"] == "qdh"
    assert [f["unit"] for f in incident["filings"]] == ["qdh", "qdh"]
    assert c.incident(fresh.json()["alerts"][0]["incident_id"])["unit"] == "wsh"
