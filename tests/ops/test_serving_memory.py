"""A serving process holds only what it uses: the SDKs of providers that are not configured,
alembic (when the schema is current), openpyxl and icalendar load when something asks for them,
not at start; each weighs MiB that would count against the idle memory goal (issue 14)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alerts.storage.database import migrate
from alerts.storage.revisions import head_revision, shipped_head

ROOT = Path(__file__).resolve().parents[2]
LAZY = ["alembic", "mako", "alibabacloud_dysmsapi20170525", "alibabacloud_dyvmsapi20170525"]
LAZY += ["tencentcloud", "openpyxl", "icalendar"]
START = """
import json, sys
from pathlib import Path
from alerts.app import create_app
from alerts.config import load_settings
from alerts.i18n import Translator
from alerts.startup import check_schema
settings = load_settings(Path(sys.argv[1]))
check_schema(settings.database_url, Translator(settings.language))
create_app(settings)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_started_service_has_not_loaded_what_it_does_not_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jibao.db'}"
    migrate(url)
    config = (ROOT / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(config.replace('"sqlite:///./jibao.db"', f'"{url}"'), encoding="utf-8")
    assert url in path.read_text(encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIBAO_")}

    started = subprocess.run(
        [sys.executable, "-c", START, str(path)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True,
    )  # fmt: skip

    loaded = set(json.loads(started.stdout.splitlines()[-1]))
    assert "fastapi" in loaded
    assert sorted(loaded & set(LAZY)) == []


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    assert shipped_head() == head_revision()
