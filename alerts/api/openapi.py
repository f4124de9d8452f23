"""What /openapi.json says beyond what FastAPI infers: stable operation ids, and the bodies of
routes that read their body themselves (the filing webhook keeps its raw bytes for the signature
and the idempotency digest), described by their pydantic models through `$ref`s."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

REF = "#/components/schemas/{model}"
_READ_BY_HAND: dict[str, type[BaseModel]] = {}  # filled as routers are imported


def operation_id(route: APIRoute) -> str:
    """The handler's name (`file_report`, `get_incident`, …): stable across releases, unique in
    the app, and what a generated client names its functions."""
    return route.name


def json_body(model: type[BaseModel], description: str) -> dict[str, Any]:
    """`openapi_extra` of a route that parses its JSON body itself: the body is `model`."""
    _READ_BY_HAND[model.__name__] = model
    schema = {"$ref": REF.format(model=model.__name__)}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's schema with the models only `json_body` names added to its components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()  # cached by FastAPI as app.openapi_schema: completed here in place
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in _READ_BY_HAND.items():
            found = model.model_json_schema(ref_template=REF)
            for part, definition in {**found.pop("$defs", {}), name: found}.items():
                if components.setdefault(part, definition) != definition:
                    raise RuntimeError(f"two different schemas are named {part}")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
