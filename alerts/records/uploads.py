"""A decision form as posted over HTTP (the API's and the dashboard's alike): a multipart body
(or a URL-encoded one, which has no files) read whole but never past its limit, its text fields,
and its files as (name, bytes). Refuses (TooLarge, Invalid) before anything is parsed further;
the files are checked by evidence.py."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from alerts.errors import FieldProblem, Invalid, TooLarge
from alerts.records.evidence import FIELD, MAX_TOTAL_BYTES

FIELDS_BYTES = 256 * 1024  # the text fields and the parts' headers besides the files
MAX_REQUEST_BYTES = MAX_TOTAL_BYTES + FIELDS_BYTES
FIELD_MAX_BYTES = 64 * 1024  # one text field (a reason of 2,000 characters is 6 KB)


@dataclass(frozen=True)
class Posted:
    """What a form held: its text fields (the last of each name) and its files."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)


def media_type(request: Request) -> str:
    """The request body's media type, lower case, without parameters."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_form(request: Request) -> bool:
    """Whether the request says its body is a form: multipart/form-data or URL-encoded."""
    return media_type(request) in ("multipart/form-data", "application/x-www-form-urlencoded")


async def read_limited(request: Request, limit: int = MAX_REQUEST_BYTES) -> bytes:
    """The whole body; TooLarge as soon as it (or what it declares) passes `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("too_large", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge("too_large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_posted(request: Request) -> Posted:
    """A form's fields and files (an empty file input, sent with no name and no bytes, is no
    file); Invalid when the body is not a form that parses."""
    raw = await read_limited(request)
    if media_type(request) != "multipart/form-data":
        try:
            pairs = parse_qsl(
                raw.decode("utf-8"), keep_blank_values=True, max_num_fields=100, errors="strict"
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise Invalid(FieldProblem("body", "multipart")) from exc
        return Posted(fields=dict(pairs))

    async def once() -> AsyncGenerator[bytes, None]:
        yield raw

    parser = MultiPartParser(
        request.headers, once(), max_files=1000, max_fields=100, max_part_size=FIELD_MAX_BYTES
    )
    try:
        form = await parser.parse()
    except (MultiPartException, KeyError) as exc:
        raise Invalid(FieldProblem("body", "multipart")) from exc
    posted = Posted()
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                if name == FIELD and (data or value.filename):
                    posted.files.append((value.filename or "", data))
            else:
                posted.fields[name] = value
    finally:
        await form.close()
    return posted
