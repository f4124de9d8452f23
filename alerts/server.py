"""Running the app under uvicorn, after checking the schema is current."""

from __future__ import annotations

import logging
import sys

import uvicorn

from alerts.app import create_app
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.logs import configure_logging
from alerts.startup import StartupError, check_schema, shown_url

log = logging.getLogger(__name__)


def run(settings: Settings, *, host: str, port: int, log_json: bool = False) -> int:
    """Serve until stopped; refuse to start on an unmigrated database."""
    try:
        check_schema(settings.database_url, Translator(settings.language))
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 1
    configure_logging(zone=settings.rules.timezone, json_lines=log_json)
    log.info("serving on http://%s:%s, database %s", host, port, shown_url(settings.database_url))
    app = create_app(settings)
    # log_config=None: uvicorn's own loggers pass through the handler above, in the same form
    uvicorn.run(app, host=host, port=port, log_level="warning", log_config=None)
    return 0
