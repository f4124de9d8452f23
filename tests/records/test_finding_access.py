"""Who may decide a finding: a section head or an admin on the dashboard, the incident's office
by its token on the API. A unit officer, the duty room and a leader are refused on the
dashboard (403) and a township's token on the API (403); nothing is written either way. The
unit reads its own findings and the reasons; another unit reads nothing."""

from __future__ import annotations

import pytest

from tests.builders import row_counts
from tests.records.builders import (
    csrf,
    findings,
    office,
    registered_never_filed,
    signed_in,
    unit,
)

REASON = {"decision": "confirm", "reason": "核实属实"}


@pytest.mark.parametrize("username", ["qdh", "duty", "leader"])
def test_only_a_section_head_or_admin_decides_on_the_dashboard(
    database_url: str, username: str
) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    signed_in(c, username)
    token = csrf(c, incident_id)
    page = c.client.get(f"/incidents/{incident_id}").text
    assert "认定" in page and f'action="/incidents/{incident_id}/findings/' not in page
    before = row_counts(database_url)
    answer = c.client.post(
        f"/incidents/{incident_id}/findings/{finding['id']}",
        data={"csrf_token": token, **REASON},
        files=[("file", ("a.txt", b"evidence", "text/plain"))],
    )
    assert answer.status_code == 403
    assert row_counts(database_url) == before
    assert findings(c, incident_id)[0]["state"] == "candidate"


@pytest.mark.parametrize("username", ["head", "admin"])
def test_a_section_head_and_an_admin_decide(database_url: str, username: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    signed_in(c, username)
    answer = c.client.post(
        f"/incidents/{incident_id}/findings/{finding['id']}",
        data={"csrf_token": csrf(c, incident_id), **REASON},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert findings(c, incident_id)[0]["decisions"][0]["by"] == username


def test_a_form_without_its_csrf_token_is_refused(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    signed_in(c, "head")
    before = row_counts(database_url)
    answer = c.client.post(f"/incidents/{incident_id}/findings/{finding['id']}", data=REASON)
    assert answer.status_code == 403
    assert row_counts(database_url) == before


def test_a_township_token_cannot_decide_and_reads_only_its_own(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    before = row_counts(database_url)
    answer = c.client.post(
        f"/api/v1/findings/{finding['id']}/decision", json=REASON, headers=unit(c)
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "findings_office_only")
    assert row_counts(database_url) == before
    assert findings(c, incident_id, unit(c))[0]["id"] == finding["id"]
    other = unit(c, "wsh")
    for path in (
        f"/api/v1/incidents/{incident_id}/findings",
        f"/api/v1/findings/{finding['id']}",
    ):
        assert c.client.get(path, headers=other).status_code == 403
    assert (
        c.client.post(
            f"/api/v1/findings/{finding['id']}/decision", json=REASON, headers=other
        ).status_code
        == 403
    )
    assert row_counts(database_url) == before


def test_evidence_files_are_downloads_for_whoever_sees_the_incident(database_url: str) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    answer = c.client.post(
        f"/api/v1/findings/{finding['id']}/decision",
        data=REASON,
        files=[("file", ("现场照片.png", png, "image/png"))],
        headers=office(c),
    )
    assert answer.status_code == 201, answer.text
    [file] = answer.json()["decisions"][0]["files"]
    assert (file["filename"], file["media_type"], file["size"]) == ("现场照片.png", "image/png", 72)
    path = f"/api/v1/findings/{finding['id']}/evidence/{file['id']}"
    for headers in (office(c), unit(c)):
        got = c.client.get(path, headers=headers)
        assert got.status_code == 200 and got.content == png
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
    assert c.client.get(path, headers=unit(c, "wsh")).status_code == 403
    assert (
        c.client.get(path.replace(f"/{file['id']}", "/999"), headers=office(c)).status_code == 404
    )
    signed_in(c, "qdh")
    page = f"/incidents/{incident_id}/findings/{finding['id']}/evidence/{file['id']}"
    assert c.client.get(page).content == png
    signed_in(c, "wsh")
    assert c.client.get(page).status_code == 403
