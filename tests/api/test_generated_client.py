"""A filing system generates a client from the served /openapi.json with a real generator
(openapi-python-client), files a report with it and reads the incident back with it."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from alerts.app import create_app
from tests.builders import at, county, initial
from tests.serving import served

PACKAGE = "jibao_client"
# The generator cannot describe these bodies in Python and says so; everything else it must
# generate. The Twilio webhooks answer TwiML (XML), and the roster import also takes a raw CSV
# or XLSX body (its multipart form is generated).
KNOWN_GAPS = {"POST /api/v1/twilio/sms", "POST /api/v1/twilio/voice/", "POST /api/v1/roster/import"}


def _generate(base_url: str, into: Path) -> str:
    """Run the generator on the served schema; what it printed."""
    config = into / "config.yml"
    # no post hooks: they run ruff over the generated code, which this test does not need
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--url",
            f"{base_url}/openapi.json",
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(into / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A function importing a module of the generated package (importable from `tmp_path`)."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def load(name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    yield load
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]  # a later run generates its own package under the same name


def test_a_generated_client_files_a_report_and_reads_the_incident(
    database_url: str, tmp_path: Path, generated: Any
) -> None:
    c = county(database_url, start=at(10))
    app = create_app(c.settings, clock=c.clock, run_scheduler=False)
    with served(app) as base_url, ExitStack() as stack:
        printed = _generate(base_url, tmp_path)
        gaps = [line for line in printed.splitlines() if line.startswith("WARNING parsing")]
        assert gaps and all(any(known in g for known in KNOWN_GAPS) for g in gaps), printed
        # imported under filterwarnings = error: the generated code warns about nothing
        client_module, models = generated("client"), generated("models")
        file_report = generated("api.filings.file_report")
        get_incident = generated("api.incidents.get_incident")
        unit, office, other = (
            stack.enter_context(client_module.AuthenticatedClient(base_url=base_url, token=t))
            for t in (c.tokens["qdh"], c.office_token, c.tokens["wsh"])
        )

        answer = file_report.sync_detailed(
            client=unit, body=models.FilingIn.from_dict(initial()), idempotency_key="gen-1"
        )
        assert answer.status_code == 201, answer.content
        filed = answer.parsed
        assert isinstance(filed, models.FilingOut)
        owed = {(o.key, o.owed_by, o.status, o.due_at) for o in filed.obligations}
        assert owed == {
            ("initial", "qdh", "met", at(10)),
            ("followup:unit:1", "qdh", "pending", at(14)),
            ("upward", "county", "pending", at(12)),
        }
        assert (filed.incident.state, filed.incident.severity) == ("open", "III")

        incident = get_incident.sync(incident_id=filed.incident_id, client=office)
        assert isinstance(incident, models.IncidentOut), incident
        assert (incident.id, incident.unit, incident.title, incident.state) == (
            filed.incident_id,
            "qdh",
            "千岛湖镇某工地脚手架坍塌",
            "open",
        )
        assert [(f.id, f.kind) for f in incident.filings] == [(filed.filing_id, "initial")]
        assert {o.id for o in incident.obligations} == {o.id for o in filed.obligations}
        assert incident.filings[0].body.to_dict()["reporter"]["phone"] == "13800000000"

        refused = get_incident.sync_detailed(incident_id=filed.incident_id, client=other)
        assert refused.status_code == 403
        assert isinstance(refused.parsed, models.ErrorOut)
        assert refused.parsed.error.code == "forbidden"
