"""Settings: config.toml (tomllib) validated once at start, secrets from the environment."""

from __future__ import annotations

import os
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rules.durations import parse_duration
from rules.ruleset import Ruleset, RulesetError, parse_ruleset

DEFAULT_CONFIG = Path("config.toml")


class ConfigError(Exception):
    """config.toml is missing or wrong; the message names the key."""


class ApiSettings(BaseModel):
    """Limits of the HTTP API."""

    model_config = ConfigDict(extra="forbid")
    max_body_bytes: int = Field(default=262_144, gt=0)


class EngineSettings(BaseModel):
    """How often the engine sweeps for incidents whose clocks changed."""

    model_config = ConfigDict(extra="forbid")
    sweep_every: timedelta = timedelta(seconds=30)

    @field_validator("sweep_every", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value


class Settings(BaseModel):
    """Everything the service is configured with, loaded once and passed down."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    database_url: str = "sqlite:///./jibao.db"
    timezone: str = "Asia/Shanghai"
    language: Literal["zh_CN", "en"] = "zh_CN"
    public_url: str = "http://127.0.0.1:8000"
    api: ApiSettings = ApiSettings()
    engine: EngineSettings = EngineSettings()
    rules: Ruleset
    rules_table: dict[str, Any]


def config_path(explicit: str | None = None) -> Path:
    """`--config` if given, else JIBAO_CONFIG, else ./config.toml."""
    return Path(explicit or os.environ.get("JIBAO_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path, *, environ: dict[str, str] | None = None) -> Settings:
    """Read and validate config.toml; JIBAO_DATABASE_URL overrides database_url."""
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return settings_from_table(table, environ=os.environ if environ is None else environ)


def settings_from_table(table: dict[str, Any], *, environ: Any = None) -> Settings:
    """Validate a parsed config table (tests build them in memory)."""
    table = dict(table)
    rules_table = table.pop("rules", None)
    if rules_table is None:
        raise ConfigError("rules: the [rules] table is required")
    if environ and environ.get("JIBAO_DATABASE_URL"):
        table["database_url"] = environ["JIBAO_DATABASE_URL"]
    try:
        ruleset = parse_ruleset(rules_table, timezone=table.get("timezone", "Asia/Shanghai"))
    except RulesetError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        return Settings(**table, rules=ruleset, rules_table=rules_table)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{key}: {first['msg']}") from exc
