"""Every API error as `{"error": {"code", "message", "fields": [{"field", "problem"}]}}`."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from alerts.api.schemas import ErrorOut
from alerts.i18n import Translator

log = logging.getLogger(__name__)
FILINGS_PATH = "/api/v1/filings"


@dataclass(frozen=True)
class FieldProblem:
    """One field and what is wrong with it, as a catalogue key under `problem.`."""

    field: str
    problem: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class ApiError(Exception):
    """An answer other than success; raised by handlers, rendered by `install_error_handlers`."""

    def __init__(
        self,
        status: int,
        code: str,
        *,
        fields: Sequence[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.fields, self.params = status, code, tuple(fields), params
        self.headers = headers
        self.message = message or code  # the catalogue key under `error.`


_MEANINGS = {
    401: "no or bad token (or signature)",
    403: "the caller may not do this",
    404: "no such resource",
    409: "conflicts with what is already recorded",
    413: "body larger than [api] max_body_bytes",
    415: "not a file type this route reads",
    422: "a field, the body or a parameter is invalid (the fields are named)",
    503: "not ready",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each error status it answers, in the error shape."""
    return {status: {"description": _MEANINGS[status], "model": ErrorOut} for status in statuses}


_PYDANTIC_PROBLEMS = {
    "missing": "required",
    "string_too_short": "not_empty",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_type": "string",
    "int_parsing": "integer",
    "int_type": "integer",
    "int_from_float": "integer",
    "greater_than_equal": "integer",
    "less_than_equal": "at_most",
    "bool_parsing": "bool",
    "bool_type": "bool",
    "datetime_parsing": "time",
    "datetime_type": "time",
    "datetime_from_date_parsing": "time",
    "timezone_aware": "time",
    "model_type": "object",
    "model_attributes_type": "object",
    "list_type": "list",
    "enum": "choice",
    "literal_error": "choice",
    "extra_forbidden": "not_allowed_here",
}


def problems_from_validation(errors: Iterable[Any]) -> list[FieldProblem]:
    """Turn pydantic's error list into field problems with catalogue keys."""
    problems: list[FieldProblem] = []
    for error in errors:
        kind, ctx = error["type"], error.get("ctx") or {}
        if kind == "required_fields":
            problems.extend(FieldProblem(name, "required") for name in ctx["fields"])
            continue
        path = ".".join(str(part) for part in error["loc"] if part != "body")
        path = ctx.get("field", path) or "body"
        problem = _PYDANTIC_PROBLEMS.get(kind, kind if kind in _CUSTOM else "invalid")
        params = {}
        if problem == "too_long":
            params["max"] = ctx.get("max_length", "")
        if problem == "at_most":
            params["max"] = ctx.get("le", "")
        if problem == "choice":
            params["choices"] = ctx.get("expected", "")
        problems.append(FieldProblem(path, problem, params))
    return problems


_CUSTOM = {
    "severity",
    "category",
    "whole_number",
    "loss",
    "phone",
    "before_occurred",
    "time_range",
    "figure_too_big",
    "loss_too_big",
}


def render(error: ApiError, translate: Translator) -> JSONResponse:
    """The JSON body of an error, in the configured language."""
    body = {
        "error": {
            "code": error.code,
            "message": translate(f"error.{error.message}", **error.params),
            "fields": [
                {"field": p.field, "problem": translate(f"problem.{p.problem}", **p.params)}
                for p in error.fields
            ],
        }
    }
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def install_error_handlers(app: FastAPI, translate: Translator) -> None:
    """Render ApiError, FastAPI's validation errors and Starlette's HTTP errors alike."""

    async def on_api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return render(exc, translate)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)
        fields = problems_from_validation(exc.errors())
        return render(ApiError(422, "invalid", fields=fields), translate)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "invalid"
        )
        return render(ApiError(exc.status_code, code, headers=exc.headers), translate)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        filing = request.method == "POST" and request.url.path == FILINGS_PATH
        # only a filing's transaction is known to be rolled back; elsewhere we cannot say
        return render(
            ApiError(500, "internal", message=None if filing else "internal_unknown"), translate
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
