"""The demo county's leader instructions (批示, alerts/demo/instructions.py): seeded through the
service's own functions, they show every stage a unit can stand at, a return for more, a 参阅, a
waived clock and an overdue feedback that the engine chases (督办); the API and the dashboard
answer them; a mistake in county.toml's `[[instructions]]` is refused naming where it is."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from alerts.app import create_app
from alerts.demo.data import COUNTY, COUNTY_FILE, INSTRUCTIONS, load_county
from tests.builders import dry_notifiers
from tests.builders import settings as make_settings
from tests.dashboard.accounts import sign_in
from tests.seeded_demo import SeededDemo

TOKEN = re.compile(r"\((\w+)\) token: (\S+)")
STAGES = {"received", "relayed", "acknowledged", "feedback", "verified", "closed"}


def _get(client: TestClient, path: str, token: str) -> Any:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def _by_ref(listed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The listed instructions by their county.toml ref (their texts are unique)."""
    refs = {spec.text: spec.ref for spec in INSTRUCTIONS}
    return {refs[i["text"]]: i for i in listed}


def _clock(instruction: dict[str, Any], unit: str, clock: str) -> dict[str, Any]:
    key = f"instruction:{instruction['id']}:{unit}:{clock}"
    return next(o for o in instruction["obligations"] if o["key"] == key)


def _stages(instruction: dict[str, Any]) -> dict[str, str]:
    return {u["unit"]: u["stage"] for u in instruction["units"]}


def test_the_demo_has_an_instruction_at_every_stage(tmp_path: Path, seeded_demo: SeededDemo):
    config = make_settings(seeded_demo.copy(tmp_path))
    tokens = dict(TOKEN.findall(seeded_demo.banner))
    with TestClient(create_app(config, run_scheduler=False)) as client:
        listed = _get(client, "/api/v1/instructions", tokens["county"])["instructions"]
        of_qdh = _get(client, "/api/v1/instructions", tokens["qdh"])["instructions"]
    now = datetime.now(UTC)
    assert f"{len(INSTRUCTIONS)} leader instructions (批示)" in seeded_demo.banner
    demo = _by_ref(listed)
    assert set(demo) == {spec.ref for spec in INSTRUCTIONS}
    assert {stage for i in listed for stage in _stages(i).values()} == STAGES
    for stage in STAGES:
        ref = f"PS-{stage.upper()}"
        assert set(_stages(demo[ref]).values()) == {stage}, ref

    returned = demo["PS-RETURNED"]
    assert [s["move"] for s in returned["steps"]][-2:] == ["feed_back", "return"]
    assert _clock(returned, "zjj", "feedback")["status"] == "met"
    assert _clock(returned, "zjj", "feedback:2")["status"] == "pending"
    assert _stages(returned) == {"zjj": "acknowledged"}

    reference = demo["PS-REFERENCE"]
    assert reference["type"] == "reference" and reference["incident_id"] is None
    assert _stages(reference) == {
        "qdh": "closed",
        "wch": "closed",
        "slz": "relayed",
        "jsx": "relayed",
    }
    assert not [o for o in reference["obligations"] if o["kind"] == "instruction_feedback"]

    waived = demo["PS-WAIVED"]
    ack = _clock(waived, "gaj", "ack")
    assert ack["status"] == "waived" and ack["reason"]
    assert [(w["key"], w["unit"], w["by"]) for w in waived["waivers"]] == [
        (ack["key"], "gaj", "沈云飞")  # the information section's head
    ]
    assert _clock(waived, "gaj", "feedback")["status"] == "pending"

    overdue = _clock(demo["PS-OVERDUE"], "yjj", "feedback")
    assert overdue["status"] == "pending" and datetime.fromisoformat(overdue["due_at"]) < now
    assert demo["PS-FEEDBACK"]["steps"][-1]["by"] == "余德明"  # the township's duty officer
    assert {_clock(demo["PS-CLOSED"], "qdh", c)["status"] for c in ("relay", "ack")} == {"met"}
    assert {i["id"] for i in of_qdh} == {
        demo[ref]["id"] for ref in ("PS-RELAYED", "PS-CLOSED", "PS-REFERENCE")
    }


def test_the_demo_instructions_are_on_their_incidents_timelines(
    tmp_path: Path, seeded_demo: SeededDemo
) -> None:
    config = make_settings(seeded_demo.copy(tmp_path))
    office = dict(TOKEN.findall(seeded_demo.banner))["county"]
    with TestClient(create_app(config, run_scheduler=False)) as client:
        demo = _by_ref(_get(client, "/api/v1/instructions", office)["instructions"])
        on_incidents = [spec for spec in INSTRUCTIONS if spec.incident]
        assert on_incidents
        for spec in on_incidents:
            instruction = demo[spec.ref]
            incident = _get(client, f"/api/v1/incidents/{instruction['incident_id']}", office)
            assert incident["external_ref"] == spec.incident
            kinds = [
                e["kind"]
                for e in incident["timeline"]
                if e["data"].get("instruction_id") == instruction["id"]
            ]
            assert kinds[0] == "instruction_recorded", spec.ref
            assert len(kinds) == 1 + sum(1 if m.unit else len(spec.units) for m in spec.moves)
        waived = _get(client, f"/api/v1/incidents/{demo['PS-WAIVED']['incident_id']}", office)
        assert "instruction_waived" in {e["kind"] for e in waived["timeline"]}


def test_the_overdue_feedback_brings_its_unit_a_督办_when_the_engine_runs(
    tmp_path: Path, seeded_demo: SeededDemo
) -> None:
    config = make_settings(seeded_demo.copy(tmp_path))
    office = dict(TOKEN.findall(seeded_demo.banner))["county"]
    notifiers = dry_notifiers()
    with TestClient(create_app(config, notifiers=notifiers, run_scheduler=False)) as client:
        client.portal.call(client.app.state.services.engine.tick)  # type: ignore[attr-defined]
        demo = _by_ref(_get(client, "/api/v1/instructions", office)["instructions"])
        overdue = demo["PS-OVERDUE"]
        feedback = _clock(overdue, "yjj", "feedback")
        incident = _get(client, f"/api/v1/incidents/{overdue['incident_id']}", office)
        waived = demo["PS-WAIVED"]
        quiet = _get(client, f"/api/v1/incidents/{waived['incident_id']}", office)
    steps = {e["step"] for e in incident["escalations"] if e["obligation_id"] == feedback["id"]}
    assert "supervise" in steps
    told = [n for n in incident["notifications"] if n["escalation_id"] in _ids(incident, feedback)]
    assert told and {n["state"] for n in told} <= {"dry", "bundled"}
    assert not _ids(quiet, _clock(waived, "gaj", "ack")), "a waived clock is not chased"


def _ids(incident: dict[str, Any], clock: dict[str, Any]) -> set[int]:
    return {e["id"] for e in incident["escalations"] if e["obligation_id"] == clock["id"]}


def test_the_dashboard_shows_the_demo_instructions(tmp_path: Path, seeded_demo: SeededDemo):
    config = make_settings(seeded_demo.copy(tmp_path))
    office = dict(TOKEN.findall(seeded_demo.banner))["county"]
    with TestClient(create_app(config, run_scheduler=False)) as client:
        listed = _get(client, "/api/v1/instructions", office)["instructions"]
        assert sign_in(client, "duty", COUNTY.accounts.password).status_code == 303
        board = client.get("/")
        assert board.status_code == 200
        for instruction in listed:
            page = client.get(f"/instructions/{instruction['id']}")
            assert page.status_code == 200, instruction["id"]
            assert instruction["text"] in page.text
        waived = _by_ref(listed)["PS-WAIVED"]
        history = client.get(f"/instructions/{waived['id']}").text
        assert "批示签收 · 县公安局：已免报（沈云飞）" in history
        assert waived["waivers"][0]["reason"] in history
        timeline = client.get(f"/incidents/{waived['incident_id']}").text
        assert "批示 · 县公安局：批示签收已免报（沈云飞）" in timeline
    open_ones = [i for i in listed if set(_stages(i).values()) != {"closed"}]
    assert open_ones and all(f"/instructions/{i['id']}" in board.text for i in open_ones)


def _shipped() -> str:
    return files("alerts.demo").joinpath(COUNTY_FILE).read_text(encoding="utf-8")


def test_demo_instruction_refs_and_texts_are_unique() -> None:
    for field in ("ref", "text"):
        values = [getattr(spec, field) for spec in INSTRUCTIONS]
        assert len(set(values)) == len(values), field


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('units = ["yjj"]', 'units = ["nowhere"]', "instructions.PS-OVERDUE.units.0 = 'nowhere'"),
        ('incident = "YJJ-DEMO-01"', 'incident = "NO-SUCH"', "on no scripted incident: PS-OVERDUE"),
        ('move = "return"\n', 'move = "return"\nunit = "qdh"\n', "a unit it does not name"),
        ("ago = 232\n", "ago = 20\n", "PS-OVERDUE: moves come after receipt, oldest first"),
        ('reason = "请补充', 'text = "请补充', "return needs a reason"),
        ('clock = "ack"\n', "", "a clock is named by waive"),
    ],
)
def test_a_mistake_in_the_demo_instructions_is_refused_by_where_it_is(
    old: str, new: str, problem: str
) -> None:
    text = _shipped().replace(old, new, 1)
    assert text != _shipped()
    with pytest.raises(ValidationError, match=re.escape(problem)):
        load_county(text)
