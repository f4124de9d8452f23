"""Running the app under uvicorn, after checking the schema is current."""

from __future__ import annotations

import logging
import sys

import uvicorn

from alerts.app import create_app
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.startup import StartupError, check_schema


def run(settings: Settings, *, host: str, port: int) -> int:
    """Serve until stopped; refuse to start on an unmigrated database."""
    try:
        check_schema(settings.database_url, Translator(settings.language))
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 1
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("apscheduler", "twilio"):  # twilio logs about ten lines per request at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
