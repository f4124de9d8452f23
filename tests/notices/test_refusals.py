"""What the notices refuse, by API and on the dashboard: a source that is not late or not a
confirmed finding, one that has a notice, malformed or missing input, text empty or too long,
approving twice, editing or discarding an approved notice, approving after the finding was
dismissed, reopened or confirmed anew, and a unit (its token or its officer) drafting or
approving. Each is a clear 4xx that writes nothing, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.notices import approval
from alerts.notices.drafting import REQUIREMENTS_MAX
from tests.builders import County, row_counts
from tests.dashboard.accounts import csrf_from
from tests.notices.builders import (
    approve,
    candidate,
    decide,
    draft,
    finding_id,
    late_and_missed,
    office,
    unit,
)
from tests.records.builders import signed_in


def _obligation(c: County, incident_id: int, key: str) -> int:
    [found] = [o for o in c.incident(incident_id)["obligations"] if o["key"] == key]
    return int(found["id"])


def _refused(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code, answer.text


def test_drafting_refusals_by_api_write_nothing(database_url: str) -> None:
    c, late_incident, missed_incident = late_and_missed(database_url)
    missed = finding_id(c, missed_incident)
    upward = _obligation(c, late_incident, "upward")  # the county's: missed, not late
    followup = _obligation(c, late_incident, "followup:unit:1")
    too_long = "要" * (REQUIREMENTS_MAX + 1)
    before = row_counts(database_url)
    for body, status, code in (
        ({"source": "nonsense"}, 422, "invalid"),
        ({"source": "finding:0"}, 422, "invalid"),
        ({"source": "incident:1"}, 422, "invalid"),
        ({"source": "x" * 41}, 422, "invalid"),
        ({}, 422, "invalid"),
        ({"source": "finding:1", "number": 3}, 422, "invalid"),
        ({"source": "finding:999999"}, 404, "notice_source_not_found"),
        ({"source": "obligation:999999999999999999"}, 404, "notice_source_not_found"),
        ({"source": "finding:3000000000"}, 404, "notice_source_not_found"),  # beyond INTEGER
        ({"source": f"obligation:{upward}"}, 409, "notice_source_not_eligible"),
        ({"source": f"obligation:{followup}"}, 409, "notice_source_not_eligible"),
        ({"source": f"finding:{missed}"}, 409, "notice_source_not_eligible"),  # a candidate
        ({"source": f"finding:{missed}", "requirements": " "}, 422, "invalid"),
        ({"source": f"finding:{missed}", "requirements": too_long}, 422, "invalid"),
    ):
        answer = c.client.post("/api/v1/notices", json=body, headers=office(c))
        _refused(answer, status, code)
        if status == 422:
            assert answer.json()["error"]["fields"], body
    late = candidate(c, "late")["source"]
    _refused(draft_as(c, late, unit(c)), 403, "notices_office_only")
    assert c.client.post("/api/v1/notices", json={"source": late}).status_code == 401
    assert row_counts(database_url) == before


def draft_as(c: County, source: str, headers: dict[str, str]) -> Any:
    """POST /api/v1/notices with another token."""
    return c.client.post("/api/v1/notices", json={"source": source}, headers=headers)


def test_refusals_on_a_draft_and_on_an_approved_notice(database_url: str) -> None:
    c, _, _ = late_and_missed(database_url)
    source = candidate(c, "late")["source"]
    notice = draft(c, source).json()["id"]
    path = f"/api/v1/notices/{notice}"
    before = row_counts(database_url)
    _refused(draft(c, source), 409, "notice_exists")
    for body in ({"requirements": ""}, {"requirements": "要" * 2001}, {}, {"title": "x"}):
        _refused(c.client.patch(path, json=body, headers=office(c)), 422, "invalid")
    for headers in (unit(c), unit(c, "wsh")):
        _refused(
            c.client.patch(path, json={"requirements": "x"}, headers=headers),
            403,
            "notices_office_only",
        )
        _refused(approve(c, notice, headers), 403, "notices_office_only")
        _refused(c.client.delete(path, headers=headers), 403, "notices_office_only")
    for missing in (999999, 3_000_000_000, 2**63 - 1):  # none, and beyond PostgreSQL's INTEGER
        _refused(approve(c, missing), 404, "notice_not_found")
        gone = c.client.get(f"/api/v1/notices/{missing}", headers=office(c))
        _refused(gone, 404, "notice_not_found")
    assert row_counts(database_url) == before

    assert approve(c, notice).status_code == 200
    after = row_counts(database_url)
    _refused(approve(c, notice), 409, "notice_already_approved")
    _refused(
        c.client.patch(path, json={"requirements": "改"}, headers=office(c)),
        409,
        "notice_already_approved",
    )
    _refused(c.client.delete(path, headers=office(c)), 409, "notice_already_approved")
    _refused(draft(c, source), 409, "notice_exists")
    assert row_counts(database_url) == after


@pytest.mark.parametrize(
    "moves",
    [["dismiss"], ["reopen"], ["dismiss", "confirm"]],
    ids=["dismissed", "reopened", "confirmed-anew"],
)
def test_approving_after_the_finding_moved_is_409(database_url: str, moves: list[str]) -> None:
    c, _, missed_incident = late_and_missed(database_url)
    finding = finding_id(c, missed_incident)
    decide(c, finding, "confirm", "初次核实属实")
    notice = draft(c, f"finding:{finding}").json()["id"]
    for move in moves:
        decide(c, finding, move, "复核")
    before = row_counts(database_url)
    _refused(approve(c, notice), 409, "notice_source_changed")
    assert row_counts(database_url) == before
    # discarded and drafted again, it quotes the decision that stands now
    assert c.client.delete(f"/api/v1/notices/{notice}", headers=office(c)).status_code == 204
    if moves[-1] != "confirm":
        _refused(draft(c, f"finding:{finding}"), 409, "notice_source_not_eligible")
        return
    again = draft(c, f"finding:{finding}").json()
    assert again["reason"] == "复核" and approve(c, again["id"]).status_code == 200


def test_a_number_taken_meanwhile_is_409_and_the_draft_stays_a_draft(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, _, missed_incident = late_and_missed(database_url)
    decide(c, finding_id(c, missed_incident), "confirm")
    first = draft(c, candidate(c, "late")["source"]).json()["id"]
    second = draft(c, candidate(c, "missed")["source"]).json()["id"]
    assert approve(c, first).status_code == 200
    before = row_counts(database_url)
    # as if another approval had read the same highest number a moment before this one
    monkeypatch.setattr(approval, "next_number", lambda session, **_: 1)
    _refused(approve(c, second), 409, "notice_number_taken")
    assert row_counts(database_url) == before
    shown = c.client.get(f"/api/v1/notices/{second}", headers=office(c)).json()
    assert (shown["state"], shown["number"]) == ("draft", None)
    monkeypatch.undo()
    assert approve(c, second).json()["number"] == 2


def test_dashboard_refusals_write_nothing(database_url: str) -> None:
    c, _, missed_incident = late_and_missed(database_url)
    late = candidate(c, "late")["source"]
    notice = draft(c, late).json()["id"]
    missed = finding_id(c, missed_incident)
    for user in ("qdh", "duty", "leader"):
        signed_in(c, user)
        token = csrf_from(c.client.get("/notices").text)
        before = row_counts(database_url)
        for path, data in (
            ("/notices", {"source": late}),
            (f"/notices/{notice}", {"requirements": "x"}),
            (f"/notices/{notice}/approval", {}),
            (f"/notices/{notice}/discard", {}),
        ):
            answer = c.client.post(path, data={"csrf_token": token, **data})
            assert answer.status_code == 403, (user, path)
        assert row_counts(database_url) == before
    assert c.client.get(f"/notices/{notice}").status_code == 200, "the office's people read drafts"

    signed_in(c, "head")
    token = csrf_from(c.client.get("/notices").text)
    before = row_counts(database_url)
    for path, data, status, said in (
        ("/notices", {"source": "nonsense"}, 422, "应为 obligation:&lt;编号&gt;"),
        ("/notices", {"source": f"finding:{missed}"}, 409, "该事项不能通报"),
        ("/notices", {"source": late}, 409, "该事项已有通报"),
        (f"/notices/{notice}", {"requirements": "  "}, 422, "必填"),
        (f"/notices/{notice}", {"requirements": "要" * 2001}, 422, "过长（不超过 2000 个字符）"),
    ):
        answer = c.client.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == status and said in answer.text, (path, data, answer.text)
    no_csrf = c.client.post(f"/notices/{notice}/approval", data={})
    assert no_csrf.status_code == 403
    for missing in (999999, 3_000_000_000):
        assert c.client.get(f"/notices/{missing}").status_code == 404
    assert row_counts(database_url) == before

    ok = c.client.post(
        f"/notices/{notice}/approval", data={"csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303
    after = row_counts(database_url)
    twice = c.client.post(f"/notices/{notice}/approval", data={"csrf_token": token})
    assert twice.status_code == 409 and "该通报已审批发布" in twice.text
    assert (
        c.client.post(f"/notices/{notice}/discard", data={"csrf_token": token}).status_code == 409
    )
    assert row_counts(database_url) == after
