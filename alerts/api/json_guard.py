"""JSON bodies are refused before any parser sees them when too large (413) or too deep (422)."""

from __future__ import annotations

import email.message

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alerts.api.bounds import too_deep
from alerts.api.errors import ApiError, render
from alerts.i18n import Translator


def is_json(content_type: str) -> bool:
    """Whether FastAPI would parse a body of this type as JSON (its own test, repeated)."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class JsonGuard:
    """ASGI middleware: reads a JSON body whole, checks it, then hands it on unchanged."""

    def __init__(self, app: ASGIApp, *, limit: int, translate: Translator) -> None:
        self.app, self.limit, self.translate = app, limit, translate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything but HTTP requests with a JSON body straight through."""
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        if not is_json(headers.get(b"content-type", b"").decode("latin-1")):
            await self.app(scope, receive, send)
            return
        body, refusal = await self._read(receive, headers.get(b"content-length", b""))
        if refusal is None and too_deep(body):
            refusal = ApiError(422, "too_deep")
        if refusal is None and not _utf8(body):
            refusal = ApiError(422, "bad_json")  # RFC 8259 JSON is UTF-8; FastAPI would say 400
        if refusal is not None:
            await render(refusal, self.translate)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, declared: bytes) -> tuple[bytes, ApiError | None]:
        too_large = ApiError(413, "too_large", limit=self.limit)
        if declared.isdigit() and int(declared) > self.limit:
            return b"", too_large
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"", ApiError(400, "invalid")  # the client went away mid-body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return b"", too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None
