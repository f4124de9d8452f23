"""Running the app under uvicorn, after checking the schema is current."""

from __future__ import annotations

import logging
import sys

import uvicorn
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from alerts.app import create_app
from alerts.config import Settings
from alerts.storage.database import alembic_config, make_engine


def schema_is_current(url: str) -> bool:
    """True when the database is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() == head
    finally:
        engine.dispose()


def run(settings: Settings, *, host: str, port: int) -> int:
    """Serve until stopped; refuse to start on an unmigrated database."""
    if not schema_is_current(settings.database_url):
        print("the database schema is not current: run `jibao migrate` first", file=sys.stderr)
        return 1
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("apscheduler", "twilio"):  # twilio logs about ten lines per request at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
