"""Running the app under uvicorn, after checking the schema is current."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from alerts.app import create_app
from alerts.config import Settings, load_settings
from alerts.i18n import Translator
from alerts.logs import configure_logging
from alerts.startup import StartupError, check_schema, shown_url

log = logging.getLogger(__name__)


WORKER_CONFIG = "JIBAO_WORKER_CONFIG"  # the config file each worker process loads
WORKER_LOG_JSON = "JIBAO_WORKER_LOG_JSON"


def run(
    settings: Settings,
    *,
    host: str,
    port: int,
    log_json: bool = False,
    workers: int = 1,
    config: Path | None = None,
) -> int:
    """Serve until stopped; refuse to start on an unmigrated database. Several worker processes
    (PostgreSQL only) share the port, each a full instance with its own engine loop
    (docs/decisions/0024-serve-workers.md)."""
    translate = Translator(settings.language)
    if workers > 1 and not settings.database_url.startswith(("postgresql", "postgres:")):
        print(translate("startup.workers_need_postgres"), file=sys.stderr)
        return 1
    if workers > 1 and not settings.secret_key.get_secret_value():
        print(translate("startup.workers_need_secret_key"), file=sys.stderr)
        return 1
    try:
        check_schema(settings.database_url, translate)
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 1
    configure_logging(zone=settings.rules.timezone, json_lines=log_json)
    log.info(
        "serving on http://%s:%s, database %s, %d process(es)",
        host,
        port,
        shown_url(settings.database_url),
        workers,
    )
    # log_config=None: uvicorn's own loggers pass through the handler above, in the same form
    if workers == 1:
        uvicorn.run(
            create_app(settings), host=host, port=port, log_level="warning", log_config=None
        )
        return 0
    os.environ[WORKER_CONFIG] = str(config or "")
    os.environ[WORKER_LOG_JSON] = "1" if log_json else ""
    uvicorn.run(
        "alerts.server:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        log_config=None,
    )
    return 0


def worker_app() -> FastAPI:
    """The app of one worker process: the same config file, loaded again in this process."""
    settings = load_settings(Path(os.environ[WORKER_CONFIG]))
    configure_logging(zone=settings.rules.timezone, json_lines=bool(os.environ[WORKER_LOG_JSON]))
    return create_app(settings)
