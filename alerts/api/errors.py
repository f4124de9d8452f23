"""Every API error as `{"error": {"code", "message", "fields": [{"field", "problem"}]}}`: the
API's own (ApiError) and the domain's refusals (alerts.errors.Refused), mapped to a status here
and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from alerts.api.schemas import ErrorOut
from alerts.errors import Conflict, Forbidden, Invalid, NotFound, Refused, TooLarge, Unsupported
from alerts.errors import FieldProblem as FieldProblem
from alerts.errors import problems_from_validation as problems_from_validation
from alerts.i18n import Translator

log = logging.getLogger(__name__)
FILINGS_PATH = "/api/v1/filings"


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


_STATUSES: dict[type[Refused], int] = {
    Invalid: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    TooLarge: 413,
    Unsupported: 415,
}


def status_of(error: ApiError | Refused) -> int:
    """The HTTP status an error answers with; a refusal's follows from its kind."""
    if isinstance(error, ApiError):
        return error.status
    return next((s for kind, s in _STATUSES.items() if isinstance(error, kind)), 422)


def from_refused(refused: Refused) -> ApiError:
    """The domain's refusal as the API answers it."""
    return ApiError(status_of(refused), refused.code, fields=refused.fields, **refused.params)


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

    async def on_refused(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refused)
        return render(from_refused(exc), translate)

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
    app.add_exception_handler(Refused, on_refused)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
