"""A generic JSON source: a gas-detection platform that posts its events as JSON, mapped by its
`[[sources]]` table (fingerprint, status, start, title by template, grade by a values table)."""

from __future__ import annotations

from typing import Any

from alerts.i18n import Translator
from tests.builders import County, at, row_counts
from tests.sources.builders import county_with_sources, deliver

GAS = {
    "name": "gas",
    "kind": "json",
    "unit": "wsh",
    "items": "events",
    "fingerprint": {"path": "id"},
    "status": {"path": "state", "values": {"alarm": "firing", "clear": "resolved"}},
    "starts_at": {"path": "time"},
    "title": {"template": "{station}{gas}浓度超限"},
    "description": {"path": "message"},
    "category": {"default": "accident"},
    "severity": {"path": "level", "values": {"high": "III", "low": "IV"}, "default": "IV"},
    "location": {"area": {"default": "文昌镇"}, "address": {"path": "station"}},
}


def event(**overrides: Any) -> dict[str, Any]:
    """One event of the gas platform."""
    body: dict[str, Any] = {
        "id": "GS-0311",
        "station": "化工园区 3 号罐",
        "gas": "可燃气体",
        "level": "high",
        "state": "alarm",
        "time": at(9, 40).isoformat(),
        "message": "浓度 35% LEL，已联动排风",
        "reading": {"value": 35, "unit": "%LEL"},
    }
    body.update(overrides)
    return body


def _outcomes(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [a["outcome"] for a in answer.json()["alerts"]]


def _gas(database_url: str, **overrides: Any) -> County:
    return county_with_sources(database_url, {**GAS, **overrides})


def test_an_event_registers_an_incident_mapped_by_the_table(database_url: str) -> None:
    c = _gas(database_url)
    answer = deliver(c, {"events": [event()]}, name="gas")
    assert _outcomes(answer) == ["registered"]
    [taken] = answer.json()["alerts"]
    assert (taken["fingerprint"], taken["status"]) == ("GS-0311", "firing")
    incident = c.incident(taken["incident_id"])
    assert (incident["unit"], incident["title"]) == ("wsh", "化工园区 3 号罐可燃气体浓度超限")
    assert (incident["category"], incident["severity"]) == ("accident", "III")
    assert incident["occurred_at"] == at(9, 40).isoformat()
    assert incident["external_ref"] == "gas:GS-0311"
    body = incident["filings"][0]["body"]
    assert body["location"] == {"area": "文昌镇", "address": "化工园区 3 号罐"}
    assert (
        body["description"]
        == "【监测告警·gas】触发，始于 2026-11-21 09:40\n浓度 35% LEL，已联动排风"
    )


def test_repeats_changes_and_the_all_clear(database_url: str) -> None:
    c = _gas(database_url)
    first = deliver(c, {"events": [event()]}, name="gas").json()["alerts"][0]
    before = row_counts(database_url)
    # a field no mapping reads changes nothing
    quiet = deliver(c, {"events": [event(reading={"value": 36})]}, name="gas")
    assert _outcomes(quiet) == ["unchanged"]
    assert row_counts(database_url) == before
    assert _outcomes(deliver(c, {"events": [event(level="low")]}, name="gas")) == ["followed_up"]
    clear = deliver(c, {"events": [event(level="low", state="clear")]}, name="gas")
    assert _outcomes(clear) == ["followed_up"]
    incident = c.incident(first["incident_id"])
    assert [f["body"].get("severity") for f in incident["filings"]] == ["III", "IV", None]
    assert incident["filings"][2]["body"]["description"].startswith("【监测告警·gas】已恢复")


def test_one_object_or_an_array_without_items(database_url: str) -> None:
    c = _gas(database_url, items="")
    assert _outcomes(deliver(c, event(), name="gas")) == ["registered"]
    two = deliver(c, [event(), event(id="GS-0312", station="2 号罐")], name="gas")
    assert _outcomes(two) == ["unchanged", "registered"]


def test_without_a_start_the_first_registration_is_now_and_repeats_stay_quiet(
    database_url: str,
) -> None:
    c = _gas(database_url, starts_at={})
    taken = deliver(c, {"events": [event(time=None)]}, name="gas").json()["alerts"][0]
    assert c.incident(taken["incident_id"])["occurred_at"] == at(10).isoformat()
    assert _outcomes(deliver(c, {"events": [event(time=None)]}, name="gas")) == ["unchanged"]


def test_bad_events_are_refused_where_they_stand(database_url: str) -> None:
    c = _gas(database_url)
    before = row_counts(database_url)
    cases: list[tuple[Any, list[str], str]] = [
        ({"events": {"id": "x"}}, ["events"], "list"),
        ({"items": []}, ["events"], "list"),
        ([event()], ["events"], "list"),
        ({"events": ["GS-0311"]}, ["events.0"], "object"),
        ({"events": [event(id=None)]}, ["events.0.id"], "required"),
        ({"events": [event(id="")]}, ["events.0.id"], "required"),
        ({"events": [event(id={"n": 1})]}, ["events.0.id"], "source_not_text"),
        ({"events": [event(state="unknown")]}, ["events.0.state"], "source_not_in_values"),
        ({"events": [event(time="09:40")]}, ["events.0.time"], "time"),
        ({"events": [event(time=at(11).isoformat())]}, ["events.0.time"], "in_future"),
        ({"events": [event(station=None)]}, ["events.0.station"], "required"),
        ({"events": [event(), event(gas=[1])]}, ["events.1.gas"], "source_not_text"),
    ]
    translate = Translator("zh_CN")
    for body, fields, problem in cases:
        answer = deliver(c, body, name="gas")
        assert answer.status_code == 422, (body, answer.text)
        said = answer.json()["error"]["fields"]
        assert [f["field"] for f in said] == fields, answer.text
        if problem != "source_not_in_values":  # the one with a parameter, checked below
            assert said[0]["problem"] == translate(f"problem.{problem}"), answer.text
    assert row_counts(database_url) == before


def test_the_problems_say_what_is_wrong(database_url: str) -> None:
    c = county_with_sources(database_url, GAS, language="en")
    answer = deliver(c, {"events": [event(state="unknown", id="GS-1")]}, name="gas")
    assert answer.json()["error"]["fields"] == [
        {
            "field": "events.0.state",
            "problem": "unknown is not in the source's values table, and it has no default",
        }
    ]
