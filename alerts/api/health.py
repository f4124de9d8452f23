"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from alerts.api.schemas import Out
from alerts.services import ServicesDep, SessionDep

router = APIRouter(tags=["health"])


class HealthOut(Out):
    """The process answers."""

    status: str


class ReadyOut(Out):
    """Whether the service can work, and each check's result (`ok`, or what is wrong)."""

    ready: bool
    checks: dict[str, str]


@router.get("/healthz")
async def healthz() -> HealthOut:
    """The process is up."""
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"description": "database or scheduler not ready", "model": ReadyOut}},
)
async def readyz(session: SessionDep, services: ServicesDep) -> JSONResponse:
    """The database answers and the engine's scheduler is running."""
    checks: dict[str, str] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; say which
        checks["database"] = f"error: {type(exc).__name__}"
    alarm = services.alarm
    checks["scheduler"] = "ok" if alarm is not None and alarm.running else "stopped"
    ready = all(value == "ok" for value in checks.values())
    answer = ReadyOut(ready=ready, checks=checks)
    return JSONResponse(answer.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus text format."""
    return Response(services.metrics.render(), media_type="text/plain; version=0.0.4")
