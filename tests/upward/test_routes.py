"""The routes besides the parent's Jibao: a parent's webhook (a signed JSON POST whose 2xx is
the receipt) and a parent's duty-room email (text and PDF; no receipt until the office records
the parent's confirmation). Each through the outbox with retries, escalating while undelivered;
bad input is refused clearly and changes nothing."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.builders import at, initial, obligation, row_counts, settings
from tests.engine.harness import Seeded, Served, seed, served
from tests.notifiers.smtp_server import SmtpServer
from tests.upward.instances import free_port
from tests.upward.webhook_standin import WebhookStandin

REPORTER = {"name": "周值班", "post": "县政府总值班室值班员", "phone": "13900000021"}
SECRET = "shared-with-the-city-webhook"
DUTY_ROOM = "zhiban@city.example.gov.cn"


def _county(
    database: str, parent: dict[str, Any], environ: dict[str, str], **overrides: Any
) -> tuple[Served, Seeded]:
    seeded = seed(database, start=at(9, 10))
    config = settings(database, environ=environ, upward={"parents": [parent]}, **overrides)
    return served(config, seeded.clock), seeded


def _call(county: Served, seeded: Seeded, method: str, path: str, body: Any = None) -> Any:
    response = county.http.request(
        method, path, json=body, headers={"Authorization": f"Bearer {seeded.office_token}"}
    )
    return response.status_code, response.json()


def _approve(county: Served, seeded: Seeded, incident_id: int) -> int:
    status, draft = _call(
        county,
        seeded,
        "POST",
        f"/api/v1/incidents/{incident_id}/upward",
        {"fields": {"reporter": REPORTER}},
    )
    assert status == 201, draft
    status, body = _call(
        county,
        seeded,
        "POST",
        f"/api/v1/upward/{draft['id']}/decision",
        {"decision": "approve", "approver": "陈副县长"},
    )
    assert status == 200, body
    return int(draft["id"])


def _report(county: Served, seeded: Seeded, report_id: int) -> Any:
    status, body = _call(county, seeded, "GET", f"/api/v1/upward/{report_id}")
    assert status == 200, body
    return body


def test_a_webhook_parent_that_is_down_is_retried_escalated_and_delivered_once(
    database_url: str,
) -> None:
    hook = WebhookStandin(secret=SECRET, port=free_port())
    parent = {"name": "city", "title": "市政府总值班室", "route": "webhook", "url": hook.url}
    with hook:
        county, seeded = _county(
            database_url,
            parent,
            {"JIBAO_UPWARD_SECRET_CITY": SECRET},
            notifications__backoff="2m",
            notifications__max_attempts=20,
        )
        incident_id = county.post(initial(), seeded.tokens["qdh"])["incident_id"]
        seeded.clock.set(at(11))
        report_id = _approve(county, seeded, incident_id)
        county.tick()
        delivery = _report(county, seeded, report_id)["delivery"]
        assert (delivery["state"], delivery["route"]) == ("sending", "webhook")
        assert "ClientConnectorError" in (delivery["last_error"] or "")
        assert delivery["next_attempt_at"] is not None

        county.at_tick(at(12))  # K4 falls due undelivered: its ladder fires
        incident = county.incident(incident_id, seeded.office_token)
        steps = [
            e["data"]["step"]
            for e in incident["timeline"]
            if e["kind"] == "escalation_fired" and e["data"]["obligation"] == "upward"
        ]
        assert "due" in steps
        assert obligation(incident, "upward")["status"] == "pending"
        attempts = _report(county, seeded, report_id)["delivery"]["attempts"]
        assert attempts >= 2 and hook.posted == []

        hook.received_at = at(12, 9).isoformat()  # the parent says when it had it
        hook.start()
        county.at_tick(at(12, 10))
        county.at_tick(at(12, 20))  # nothing goes twice
        delivery = _report(county, seeded, report_id)["delivery"]
        assert delivery["state"] == "received" and delivery["attempts"] == attempts + 1
        assert delivery["received_at"] == at(12, 9).isoformat()
        (posted,) = hook.posted
        assert hook.refused == []
        document = posted.json
        assert document["event"] == "jibao.upward_report" and document["kind"] == "first"
        assert document["key"] == posted.headers["Idempotency-Key"]
        assert document["signed_by"] == "陈副县长"
        assert document["fields"]["reporter"] == REPORTER
        assert document["incident_ref"] == f"county-{incident_id}"
        k4 = obligation(county.incident(incident_id, seeded.office_token), "upward")
        assert (k4["status"], k4["late_minutes"]) == ("late", 9)


def test_a_webhook_without_its_own_time_is_received_at_its_2xx(database_url: str) -> None:
    hook = WebhookStandin(secret=SECRET, port=free_port())
    parent = {"name": "city", "title": "市政府总值班室", "route": "webhook", "url": hook.url}
    with hook:
        hook.start()
        county, seeded = _county(database_url, parent, {"JIBAO_UPWARD_SECRET_CITY": SECRET})
        incident_id = county.post(initial(), seeded.tokens["qdh"])["incident_id"]
        seeded.clock.set(at(11, 30))
        report_id = _approve(county, seeded, incident_id)
        county.at_tick(at(11, 40))
        delivery = _report(county, seeded, report_id)["delivery"]
        assert delivery["received_at"] == at(11, 40).isoformat()
        k4 = obligation(county.incident(incident_id, seeded.office_token), "upward")
        assert (k4["status"], k4["met_at"]) == ("met", at(11, 40).isoformat())

        # a 续报 needs no parent incident id on this route: it goes at once
        status, followup = _call(
            county,
            seeded,
            "POST",
            f"/api/v1/incidents/{incident_id}/upward",
            {"fields": {"description": "续报：伤员已送医"}},
        )
        assert status == 201, followup
        status, decided = _call(
            county,
            seeded,
            "POST",
            f"/api/v1/upward/{followup['id']}/decision",
            {"decision": "approve", "approver": "陈副县长"},
        )
        assert decided["delivery"]["state"] == "sending"
        county.at_tick(at(11, 50))
        assert [p.json["kind"] for p in hook.posted] == ["first", "followup"]
        assert hook.posted[1].json["number"] == 1


def test_a_webhook_that_refuses_fails_for_good_and_says_so(database_url: str) -> None:
    hook = WebhookStandin(secret="not-what-the-county-signs-with", port=free_port())
    parent = {"name": "city", "title": "市政府总值班室", "route": "webhook", "url": hook.url}
    with hook:
        hook.start()
        county, seeded = _county(database_url, parent, {"JIBAO_UPWARD_SECRET_CITY": SECRET})
        incident_id = county.post(initial(), seeded.tokens["qdh"])["incident_id"]
        report_id = _approve(county, seeded, incident_id)
        county.tick()
        delivery = _report(county, seeded, report_id)["delivery"]
        assert delivery["state"] == "failed" and delivery["last_error"].startswith("HTTP 401")
        assert len(hook.refused) == 1


def _pdf_text(document: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(document)
        done = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
    return done.stdout


def test_an_emailed_report_has_text_and_pdf_and_waits_for_the_parents_confirmation(
    database_url: str,
) -> None:
    parent = {"name": "city", "title": "市政府总值班室", "route": "email", "email": DUTY_ROOM}
    with SmtpServer(security="none") as smtp:
        county, seeded = _county(
            database_url,
            parent,
            {},
            notifications__email={
                "host": smtp.host,
                "port": smtp.port,
                "security": "none",
                "from_address": "zhiban@county.example.gov.cn",
            },
        )
        incident_id = county.post(initial(), seeded.tokens["qdh"])["incident_id"]
        seeded.clock.set(at(11, 50))
        report_id = _approve(county, seeded, incident_id)
        county.at_tick(at(11, 55))
        report = _report(county, seeded, report_id)
        assert report["delivery"]["state"] == "emailed" and report["delivery"]["route"] == "email"
        assert report["delivery"]["received_at"] is None
        mails = [x for x in smtp.received if DUTY_ROOM in x.rcpt_tos]
        assert len(mails) == 1
        mail = mails[0].message
        assert "首报" in str(mail["Subject"])
        text = mail.get_body(preferencelist=("plain",)).get_content()
        assert "县政府总值班室" in text and "陈副县长" in text and "脚手架坍塌" in text
        (attachment,) = list(mail.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        printed = _pdf_text(attachment.get_content())
        for said in ("首报", "千岛湖镇某工地脚手架坍塌", "陈副县长", "周值班", "市政府总值班室"):
            assert said in printed, (said, printed)

        # no receipt yet: K4 is owed, and its ladder fires at the due time
        county.at_tick(at(12, 1))
        incident = county.incident(incident_id, seeded.office_token)
        assert obligation(incident, "upward")["status"] == "pending"
        assert "upward_emailed" in [e["kind"] for e in incident["timeline"]]

        path = f"/api/v1/upward/{report_id}/receipt"
        before = row_counts(county.settings.database_url)
        for body, field in (
            ({"by": "周值班"}, "received_at"),
            ({"received_at": at(11, 56).isoformat()}, "by"),
            ({"received_at": "2026-11-21T11:56:00", "by": "周值班"}, "received_at"),
            ({"received_at": at(11, 40).isoformat(), "by": "周值班"}, "received_at"),
            ({"received_at": at(13).isoformat(), "by": "周值班"}, "received_at"),
            ({"received_at": at(11, 56).isoformat(), "by": "周值班", "how": "pigeon"}, "how"),
            ({"received_at": at(11, 56).isoformat(), "by": "周值班", "x": 1}, "x"),
        ):
            status, answer = _call(county, seeded, "POST", path, body)
            assert status == 422, (body, answer)
            assert field in [f["field"] for f in answer["error"]["fields"]], answer
        assert row_counts(county.settings.database_url) == before
        status, answer = _call(county, seeded, "POST", "/api/v1/upward/999/receipt", {})
        assert status in (404, 422)

        confirmed = {"received_at": at(11, 58).isoformat(), "by": "周值班", "how": "phone"}
        status, answer = _call(county, seeded, "POST", path, confirmed)
        assert status == 200, answer
        assert answer["delivery"]["state"] == "received"
        assert answer["delivery"]["received_at"] == at(11, 58).isoformat()
        assert answer["delivery"]["confirmed_by"] == "周值班"
        k4 = obligation(county.incident(incident_id, seeded.office_token), "upward")
        assert (k4["status"], k4["met_at"]) == ("met", at(11, 58).isoformat())
        status, again = _call(county, seeded, "POST", path, confirmed)
        assert status == 409 and again["error"]["code"] == "upward_already_received"


def test_a_jibao_report_cannot_be_confirmed_by_hand(database_url: str) -> None:
    parent = {"name": "city", "title": "市政府总值班室", "url": f"http://127.0.0.1:{free_port()}"}
    county, seeded = _county(database_url, parent, {"JIBAO_UPWARD_TOKEN_CITY": "issued"})
    incident_id = county.post(initial(), seeded.tokens["qdh"])["incident_id"]
    report_id = _approve(county, seeded, incident_id)
    body = {"received_at": at(9, 10).isoformat(), "by": "周值班"}
    status, answer = _call(county, seeded, "POST", f"/api/v1/upward/{report_id}/receipt", body)
    assert status == 409 and answer["error"]["code"] == "upward_not_emailed"


@pytest.mark.parametrize(
    ("parent", "environ", "expected"),
    [
        ({"route": "email"}, {}, "upward.parents[0].email: the email route needs email"),
        (
            {"route": "email", "email": DUTY_ROOM},
            {},
            "notifications.email.host: parent city is reported to by email",
        ),
        ({"route": "webhook"}, {"JIBAO_UPWARD_SECRET_CITY": "s"}, "upward.parents[0].url: "),
        (
            {"route": "webhook", "url": "https://hook.city.example/jibao"},
            {},
            "JIBAO_UPWARD_SECRET_CITY: not set",
        ),
        ({"route": "jibao"}, {"JIBAO_UPWARD_TOKEN_CITY": "t"}, "upward.parents[0].url: "),
        ({"route": "email", "email": "not an address"}, {}, "upward.parents[0].email: "),
    ],
)
def test_each_route_names_what_it_is_missing(
    parent: dict[str, Any], environ: dict[str, str], expected: str
) -> None:
    from alerts.config import ConfigError, settings_from_table
    from tests.builders import config_table

    row = {"name": "city", "title": "市政府总值班室", **parent}
    with pytest.raises(ConfigError) as info:
        settings_from_table(config_table(language="en", upward={"parents": [row]}), environ=environ)
    assert any(line.startswith(expected) for line in info.value.lines), info.value.lines


def test_each_route_is_accepted_with_what_it_needs() -> None:
    from alerts.config import settings_from_table
    from alerts.upward.channels import route_notifiers
    from tests.builders import config_table

    parents = [
        {"name": "city", "title": "市", "route": "email", "email": DUTY_ROOM},
        {"name": "hook", "title": "钩", "route": "webhook", "url": "https://h.example/x"},
        {"name": "prov", "title": "省", "url": "https://p.example"},
    ]
    config = settings_from_table(
        config_table(upward={"parents": parents}, notifications__email={"host": "smtp.example"}),
        environ={"JIBAO_UPWARD_SECRET_HOOK": "s", "JIBAO_UPWARD_TOKEN_PROV": "t"},
    )
    notifiers = route_notifiers(config.upward, config.notifications.email)
    assert {k: type(v).__name__ for k, v in notifiers.items()} == {
        "jibao:city": "UpwardEmailNotifier",
        "jibao:hook": "UpwardWebhookNotifier",
        "jibao:prov": "JibaoNotifier",
    }
