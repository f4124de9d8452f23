"""The rules parsers report every problem as data (path, code, parameters), not as words."""

from __future__ import annotations

import pytest

from rules.escalation import parse_policy
from rules.problems import Problem, RulesetError
from rules.ruleset import parse_ruleset
from tests.builders import config_table
from tests.rules.builders import rules_table


def test_parse_policy_collects_every_problem_of_every_step() -> None:
    table = config_table()["escalation"]
    table["ack_pauze"] = table.pop("ack_pause")
    table["unit"][0]["repeat_evry"] = "1h"
    table["unit"][1]["channels"] = []
    table["office"][2]["notify"] = [{"target": "office.director", "chanels": ["sms"]}]
    with pytest.raises(RulesetError) as info:
        parse_policy(table)
    assert info.value.problems == (
        Problem("escalation.ack_pauze", "unknown_key", {"suggestion": "ack_pause"}),
        Problem("escalation.ack_pause", "required"),
        Problem("escalation.unit[0].repeat_evry", "unknown_key", {"suggestion": "repeat_every"}),
        Problem(
            "escalation.unit[1].channels",
            "channels",
            {"choices": "sms, voice, email, webhook, robot:NAME"},
        ),
        Problem(
            "escalation.office[2].notify[0].chanels", "unknown_key", {"suggestion": "channels"}
        ),
    )


def test_parse_ruleset_names_unknown_keys_in_every_sub_table() -> None:
    table = rules_table()
    table["severity"]["I"]["upwrd"] = "4h"
    table["implied_grade"][0]["grad"] = "I"
    table["sensitive_at_lest"] = "III"
    with pytest.raises(RulesetError) as info:
        parse_ruleset(table)
    unknown = {
        p.path: p.params["suggestion"] for p in info.value.problems if p.code == "unknown_key"
    }
    assert unknown == {
        "rules.sensitive_at_lest": "sensitive_at_least",
        "rules.severity.I.upwrd": "upward",
        "rules.implied_grade[0].grad": "grade",
    }


def test_an_unknown_key_far_from_any_known_one_has_no_suggestion() -> None:
    table = rules_table()
    table["zzzz"] = 1
    with pytest.raises(RulesetError) as info:
        parse_ruleset(table)
    assert info.value.problems == (Problem("rules.zzzz", "unknown_key", {"suggestion": ""}),)
