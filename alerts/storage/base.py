"""The declarative base every table derives from: datetimes are aware UTC, dicts and lists JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase

from alerts.storage.types import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base; every datetime column is aware UTC."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }
