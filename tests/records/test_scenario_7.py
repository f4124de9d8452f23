"""Scenario 7 (DOMAIN §8): the office registers a fire in township B from a media report and B
never files. At the end of the next day B has a missed-report candidate, which leaves its
score alone; once the information section head confirms it, B's quarterly score drops by 10;
dismissed, the score is back; every decision is on the incident's timeline with who and when."""

from __future__ import annotations

from tests.builders import at
from tests.records.builders import (
    csrf,
    findings,
    records_row,
    registered_never_filed,
    signed_in,
    unit,
)

SCORE, MISSED, CANDIDATES = "得分", "漏报（已确认）", "疑似漏报（待确认）"


def test_a_missed_candidate_at_the_cutoff_counts_once_confirmed_and_not_once_dismissed(
    database_url: str,
) -> None:
    c, incident_id = registered_never_filed(database_url, tick_at=at(23, 59, day=22))
    assert findings(c, incident_id) == [], "a minute before the cut-off nothing is missed yet"
    c.at_tick(at(0, 0, day=23))
    [candidate] = findings(c, incident_id)
    assert (candidate["kind"], candidate["key"], candidate["state"], candidate["unit"]) == (
        "missed",
        "missed:initial",
        "candidate",
        "qdh",
    )
    assert (candidate["stands"], candidate["counts"], candidate["moves"]) == (
        True,
        False,
        ["confirm", "dismiss"],
    )

    signed_in(c, "head")
    before = records_row(c)
    assert (before[SCORE], before[MISSED], before[CANDIDATES]) == ("100", "0", "1")

    def decide(decision: str, reason: str) -> None:
        answer = c.client.post(
            f"/incidents/{incident_id}/findings/{candidate['id']}",
            data={"csrf_token": csrf(c, incident_id), "decision": decision, "reason": reason},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    c.clock.set(at(9, day=23))
    decide("confirm", "经核实，该镇当日已知情未报")
    confirmed = records_row(c)
    assert (confirmed[SCORE], confirmed[MISSED], confirmed[CANDIDATES]) == ("90", "1", "0")

    c.clock.set(at(10, day=23))
    decide("dismiss", "复核：该镇当日已电话报告县应急局，另案处理")
    dismissed = records_row(c)
    assert (dismissed[SCORE], dismissed[MISSED], dismissed[CANDIDATES]) == ("100", "0", "0")

    c.clock.set(at(11, day=23))
    decide("reopen", "需重新核实")
    assert records_row(c)[CANDIDATES] == "1" and records_row(c)[SCORE] == "100"

    [finding] = findings(c, incident_id)
    steps = [(d["decision"], d["from_state"], d["to_state"], d["by"]) for d in finding["decisions"]]
    assert steps == [
        ("confirm", "candidate", "confirmed", "head"),
        ("dismiss", "confirmed", "dismissed", "head"),
        ("reopen", "dismissed", "candidate", "head"),
    ]
    timeline = c.incident(incident_id)["timeline"]
    decided = [(e["kind"], e["at"], e["data"]["by"]) for e in timeline if "finding_" in e["kind"]]
    assert decided == [
        ("finding_confirmed", at(9, day=23).isoformat(), "head"),
        ("finding_dismissed", at(10, day=23).isoformat(), "head"),
        ("finding_reopened", at(11, day=23).isoformat(), "head"),
    ]
    page = c.client.get(f"/incidents/{incident_id}").text
    assert "认定漏报（次日结束前未报送）（head）" in page and "理由：需重新核实" in page


def test_the_same_decision_through_the_api_moves_the_score_alike(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [candidate] = findings(c, incident_id)
    answer = c.client.post(
        f"/api/v1/findings/{candidate['id']}/decision",
        json={"decision": "confirm", "reason": "核实属实"},
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["state"], answer.json()["counts"]) == ("confirmed", True)
    assert answer.json()["decisions"][0]["by"] == "县政府总值班室"
    signed_in(c, "head")
    assert records_row(c)[SCORE] == "90"
    # the unit reads its finding and the reason, by its token and on its incident page
    [seen] = findings(c, incident_id, unit(c))
    assert seen["decisions"][0]["reason"] == "核实属实"
    signed_in(c, "qdh")
    page = c.client.get(f"/incidents/{incident_id}")
    assert page.status_code == 200 and "理由：核实属实" in page.text and "已认定" in page.text
    assert f'action="/incidents/{incident_id}/findings/' not in page.text, "read-only for the unit"
    assert records_row(c)[SCORE] == "90"
