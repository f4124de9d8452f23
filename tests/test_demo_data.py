"""The demo county's data file (alerts/demo/county.toml) and its loader: what the seed relies on
holds, and a mistake in the file is refused naming where it is."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from pydantic import ValidationError

from alerts.demo.data import COUNTY, COUNTY_FILE, load_county


def _shipped() -> str:
    return files("alerts.demo").joinpath(COUNTY_FILE).read_text(encoding="utf-8")


def test_every_unit_below_the_city_has_a_duty_officer_a_deputy_and_a_leader() -> None:
    for unit in COUNTY.units:
        roles = {p.role for p in unit.people}
        if unit.kind == "city":
            continue
        assert {"duty_officer", "deputy"} <= roles, unit.code
        assert roles & {"leader", "on_duty"}, unit.code


def test_names_phones_and_mailboxes_are_unique() -> None:
    people = [p for unit in COUNTY.units for p in unit.people]
    for field in ("name", "phone", "email"):
        values = [getattr(p, field) for p in people]
        assert len(set(values)) == len(values), field


def test_scenarios_have_unique_references_and_start_with_a_first_report() -> None:
    refs = [s.ref for s in COUNTY.scenarios]
    assert len(set(refs)) == len(refs)
    for scenario in COUNTY.scenarios:
        assert scenario.steps[0].kind in ("initial", "phone", "register"), scenario.ref
        agos = [step.ago for step in scenario.steps]
        assert agos == sorted(agos, reverse=True), f"{scenario.ref}: oldest first"


def test_an_unknown_key_is_refused_by_name() -> None:
    text = _shipped().replace("[county]\n", '[county]\nrecolour = "red"\n', 1)
    with pytest.raises(ValidationError, match="recolour"):
        load_county(text)


def test_a_scenario_of_a_unit_that_does_not_exist_is_refused() -> None:
    text = _shipped().replace(
        'unit = "wch"\nref = "WCH-DEMO-01"', 'unit = "nowhere"\nref = "WCH-DEMO-01"'
    )
    assert text != _shipped()
    with pytest.raises(ValidationError, match=re.escape("scenarios.WCH-DEMO-01.unit = 'nowhere'")):
        load_county(text)
