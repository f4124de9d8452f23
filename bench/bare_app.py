"""The stack's limit: a bare FastAPI + SQLAlchemy app that stores one row per POST.

`bench/filings.py` drives it with the same client and the same filing bodies as Jibao, so
`limit ratio` (Jibao's filings/s over this app's) says how much of the stack's speed Jibao's own
work costs. It keeps what any durable webhook must do: uvicorn, FastAPI routing, reading and
parsing the JSON body, a bearer token looked up in the database, one INSERT and a commit with the
same engine settings as Jibao (`alerts.storage.database.make_engine`: on SQLite WAL and
`synchronous=FULL`, so each commit is fsync'd), and a JSON 201. It leaves out everything that is
Jibao's: validation of the report, obligations, the timeline, the engine.

    python bench/bare_app.py --database-url URL --port 8123 [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert, select
from starlette.concurrency import run_in_threadpool

from alerts.storage.database import make_engine

DATABASE_ENV = "JIBAO_BARE_DATABASE_URL"  # how uvicorn's worker processes learn the URL
metadata = MetaData()
tokens = Table(
    "bare_tokens", metadata, Column("token", String(64), primary_key=True), Column("unit", Text)
)
rows = Table(
    "bare_filings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def prepare(database_url: str, bearer_tokens: list[str]) -> None:
    """Create the two tables and store the tokens (the bench's units')."""
    engine = make_engine(database_url)
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(tokens),
                [{"token": t, "unit": f"u{i:02d}"} for i, t in enumerate(bearer_tokens)],
            )
    finally:
        engine.dispose()


def stored_rows(database_url: str) -> int:
    """How many rows the app stored."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return len(connection.execute(select(rows.c.id)).all())
    finally:
        engine.dispose()


def create_bare_app(database_url: str) -> FastAPI:
    """The app: POST /api/v1/filings stores the body; GET /healthz answers."""
    engine = make_engine(database_url)
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/filings", status_code=201)
    async def file(request: Request, authorization: Annotated[str, Header()] = "") -> JSONResponse:
        try:
            body: Any = json.loads(await request.body())
        except ValueError as exc:
            raise HTTPException(422, "body is not JSON") from exc
        token = authorization.removeprefix("Bearer ").strip()
        stored = await run_in_threadpool(_store, token, body)
        if stored is None:
            raise HTTPException(401, "unknown token")
        return JSONResponse({"id": stored}, status_code=201)

    def _store(token: str, body: Any) -> int | None:
        with engine.begin() as connection:
            unit = connection.scalar(select(tokens.c.unit).where(tokens.c.token == token))
            if unit is None:
                return None
            text = json.dumps(body, ensure_ascii=False)
            values = {"unit": unit, "body": text, "received_at": datetime.now(UTC)}
            return int(connection.execute(insert(rows).values(values)).inserted_primary_key[0])

    return app


def app_from_environment() -> FastAPI:
    """uvicorn's factory for worker processes."""
    return create_bare_app(os.environ[DATABASE_ENV])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ[DATABASE_ENV] = args.database_url
    uvicorn.run(
        "bench.bare_app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
