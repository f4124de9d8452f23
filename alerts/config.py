"""Settings: config.toml (tomllib) validated once at start, secrets from the environment.

`Settings` is a pydantic-settings model over two sources (alerts/config_sources.py): the JIBAO_*
environment over config.toml. Every secret is a `SecretStr`, read with `.get_secret_value()`
where it is used and nowhere else, so no repr, log line or message can show it."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from alerts.config_problems import (
    describe,
    file_language,
    text_language,
    unknown_keys,
    validation_problems,
)
from alerts.config_providers import ProvidersSettings, template_problems
from alerts.config_robots import RobotConfig, robot_problems
from alerts.config_sources import SECRET_KEY, ConfigTable, Environment, parent_problems
from alerts.i18n import Translator
from alerts.sources.settings import SourceConfig, duplicate_names
from rules.durations import parse_duration, parse_time_of_day
from rules.escalation import Policy, parse_policy
from rules.problems import Problem
from rules.ruleset import Ruleset, RulesetError, parse_ruleset

DEFAULT_CONFIG = Path("config.toml")
ENV_PREFIX = "JIBAO_"  # problems of environment variables are not the file's
MIN_SECRET_KEY = 16  # characters of JIBAO_SECRET_KEY, when it is set
RULE_TABLES = ("rules", "escalation")  # parsed by rules/, not by the pydantic models here


class ConfigError(Exception):
    """config.toml is missing or wrong: one line per problem, in `language`."""

    def __init__(self, lines: list[str], language: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        self.language = language


def _duration(value: object) -> object:
    """Durations as config.toml writes them (`30s`); anything else is left to pydantic."""
    if not isinstance(value, str):
        return value
    try:
        return parse_duration(value)
    except ValueError:
        raise PydanticCustomError("not_duration", "not a duration") from None


def _time_of_day(value: object) -> object:
    """Times of day as config.toml writes them (`08:30`)."""
    if not isinstance(value, str):
        return value
    try:
        return parse_time_of_day(value)
    except ValueError:
        raise PydanticCustomError("not_time_of_day", "not a time of day") from None


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
        return _duration(value)


class TwilioConfig(BaseModel):
    """SMS and voice through Twilio; without account_sid and an auth token both run dry."""

    model_config = ConfigDict(extra="forbid")
    account_sid: str = ""
    from_number: str = ""
    api_base_url: str = "https://api.twilio.com"
    timeout_seconds: float = Field(default=10.0, gt=0)
    auth_token: SecretStr = Field(default=SecretStr(""), exclude=True)  # JIBAO_TWILIO_AUTH_TOKEN


class EmailConfig(BaseModel):
    """SMTP; without a host the channel runs dry."""

    model_config = ConfigDict(extra="forbid")
    host: str = ""
    port: int = Field(default=587, gt=0, lt=65536)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    from_address: str = "jibao@example.gov.cn"
    timeout_seconds: float = Field(default=10.0, gt=0)
    password: SecretStr = Field(default=SecretStr(""), exclude=True)  # JIBAO_SMTP_PASSWORD


class WebhookConfig(BaseModel):
    """An outgoing webhook, named in ladders as webhook:NAME (chat robots, the parent's system)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=r"^[a-z0-9_-]+$")
    url: str = Field(min_length=1)
    timeout_seconds: float = Field(default=10.0, gt=0)


# in the spirit of GoAlert's per-number limits (besides `throttle`, one a minute)
DEFAULT_RATE_LIMITS = {
    timedelta(minutes=15): 3,
    timedelta(hours=1): 7,
    timedelta(hours=3): 15,
}


class NotificationSettings(BaseModel):
    """The outbox and its channels."""

    model_config = ConfigDict(extra="forbid")
    max_attempts: int = Field(default=5, ge=1)
    backoff: timedelta = timedelta(seconds=10)  # doubled each attempt, with jitter
    throttle: timedelta = timedelta(seconds=60)  # one message per person and channel per window
    claim_lease: timedelta = timedelta(seconds=60)  # a send still claimed after this is `unknown`
    ack_link_valid: timedelta = timedelta(hours=24)
    twilio: TwilioConfig = TwilioConfig()
    email: EmailConfig = EmailConfig()
    webhooks: list[WebhookConfig] = []
    # JIBAO_WEBHOOK_SECRET_<NAME>, by webhook name: from the environment only
    webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict, exclude=True)
    robots: list[RobotConfig] = []  # group robots, channel robot:NAME (alerts/config_robots.py)
    # JIBAO_ROBOT_SECRET_<NAME>, by robot name: from the environment only
    robot_secrets: dict[str, SecretStr] = Field(default_factory=dict, exclude=True)
    stand_down: bool = True  # tell whoever was paged, on that channel, when the report came
    # per person and channel, at most N messages in each window; the rest wait and are bundled
    rate_limits: dict[timedelta, PositiveInt] = Field(
        default_factory=lambda: dict(DEFAULT_RATE_LIMITS)
    )
    providers: ProvidersSettings = ProvidersSettings()  # Aliyun, Tencent; routes, breaker

    @field_validator("backoff", "throttle", "claim_lease", "ack_link_valid", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return _duration(value)

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _windows(cls, value: object) -> object:
        return {_duration(k): v for k, v in value.items()} if isinstance(value, dict) else value


class RosterSettings(BaseModel):
    """Duty days, handovers, gaps and duty checks."""

    model_config = ConfigDict(extra="forbid")
    day_starts_at: time = time(8, 30)
    handover_roles: list[str] = ["duty_officer"]
    handover_accept_within: timedelta = timedelta(minutes=15)
    gap_roles: list[str] = ["duty_officer", "leader_on_duty"]
    gap_horizon: timedelta = timedelta(days=7)
    gap_alert_ahead: timedelta = timedelta(hours=48)
    duty_check_answer_within: timedelta = timedelta(minutes=10)
    holidays: list[date] = []
    workdays: list[date] = []

    @field_validator(
        "handover_accept_within",
        "gap_horizon",
        "gap_alert_ahead",
        "duty_check_answer_within",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: object) -> object:
        return _duration(value)

    @field_validator("day_starts_at", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> object:
        return _time_of_day(value)


class RecordsSettings(BaseModel):
    """How long the office keeps incident records (nothing in Jibao deletes them, ever), and by
    which day of the following month the section publishes its bulletins (K14, K15)."""

    model_config = ConfigDict(extra="forbid")
    keep_years: int = Field(default=5, ge=1)  # counted from an incident's last record
    monthly_bulletin_due_day: int = Field(default=10, ge=1, le=28)
    quarterly_bulletin_due_day: int = Field(default=15, ge=1, le=28)


class ParentConfig(BaseModel):
    """One office above this one that its upward reports (首报, 续报, 终报) go to, and the route
    they take. `jibao`: the parent runs Jibao too; reports are filed at `url` + /api/v1/filings
    with the token the parent issued (JIBAO_UPWARD_TOKEN_<NAME>), signed with
    JIBAO_UPWARD_SECRET_<NAME> when that is set. `email`: mailed to the duty room's `email`
    (text and PDF) through [notifications.email]. `webhook`: a signed JSON POST to `url`
    (JIBAO_UPWARD_SECRET_<NAME> required). What each route needs is checked in
    alerts/config_sources.py (parent_problems)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    title: str = Field(min_length=1, max_length=200)  # 市政府总值班室: what people see
    route: Literal["jibao", "email", "webhook"] = "jibao"
    url: str = Field(default="", max_length=300)  # the parent's public_url, or its webhook
    email: str = Field(default="", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+$")
    timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.fullmatch(r"https?://[^/\s?#@]+(/[^\s?#]*)?", value):
            raise PydanticCustomError("not_http_url", "not an http(s) URL")
        return value.rstrip("/")


class ChildConfig(BaseModel):
    """A unit of this office that runs Jibao itself (a county under a city): the instructions
    (批示) recorded here on an incident it reported go down to its Jibao, `url` +
    /api/v1/upward/instructions, signed with JIBAO_CHILD_SECRET_<UNIT> (the secret it knows
    this office by: its JIBAO_UPWARD_SECRET_<NAME>)."""

    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")  # its code here
    url: str = Field(min_length=1, max_length=250)  # its public_url
    timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^/\s?#@]+(/[^\s?#]*)?", value):
            raise PydanticCustomError("not_http_url", "not an http(s) URL")
        return value.rstrip("/")


class UpwardSettings(BaseModel):
    """The office's upward reports: where they go (the first parent is the default), and the
    units below that run Jibao themselves (instructions go down to them)."""

    model_config = ConfigDict(extra="forbid")
    parents: list[ParentConfig] = []
    children: list[ChildConfig] = []
    # JIBAO_UPWARD_TOKEN_<NAME>, JIBAO_UPWARD_SECRET_<NAME>, JIBAO_CHILD_SECRET_<UNIT>: from
    # the environment only
    tokens: dict[str, SecretStr] = Field(default_factory=dict, exclude=True)
    secrets: dict[str, SecretStr] = Field(default_factory=dict, exclude=True)
    child_secrets: dict[str, SecretStr] = Field(default_factory=dict, exclude=True)

    def parent(self, name: str) -> ParentConfig | None:
        """The parent called `name`, if configured."""
        return next((p for p in self.parents if p.name == name), None)

    def child(self, unit: str) -> ChildConfig | None:
        """The child Jibao of the unit with this code, if configured."""
        return next((c for c in self.children if c.unit == unit), None)


class FileSettings(BaseModel):
    """The keys of config.toml outside `[rules]` and `[escalation]`."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    # not a SecretStr (most of it is no secret, and it is handed to SQLAlchemy in many places),
    # but its password is never shown: left out of repr, masked in dumps
    database_url: str = Field(default="sqlite:///./jibao.db", repr=False)
    timezone: str = "Asia/Shanghai"
    language: Literal["zh_CN", "en"] = "zh_CN"
    public_url: str = "http://127.0.0.1:8000"
    api: ApiSettings = ApiSettings()
    engine: EngineSettings = EngineSettings()
    notifications: NotificationSettings = NotificationSettings()
    roster: RosterSettings = RosterSettings()
    records: RecordsSettings = RecordsSettings()
    upward: UpwardSettings = UpwardSettings()
    sources: list[SourceConfig] = []  # monitoring systems whose alerts become registrations

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        return duplicate_names(sources)

    @field_serializer("database_url")
    def _masked(self, url: str) -> str:
        try:
            return make_url(url).render_as_string(hide_password=True)
        except ArgumentError:
            return "***"  # not a URL SQLAlchemy reads: it could be anything


class Settings(FileSettings, BaseSettings):
    """Everything the service is configured with, loaded once and passed down."""

    model_config = SettingsConfigDict(extra="forbid", arbitrary_types_allowed=True)
    secret_key: SecretStr = Field(default=SecretStr(""), exclude=True)  # JIBAO_SECRET_KEY
    rules: Ruleset
    rules_table: dict[str, Any]
    escalation: Policy

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Built directly, only the values given: `settings_from_table` brings config.toml and
        the environment as sources of their own; nothing is read from os.environ by surprise
        (LANGUAGE, say), nor from a .env file or a secrets directory."""
        return (init_settings,)


def config_path(explicit: str | None = None) -> Path:
    """`--config` if given, else JIBAO_CONFIG, else ./config.toml."""
    return Path(explicit or os.environ.get("JIBAO_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path, *, environ: dict[str, str] | None = None) -> Settings:
    """Read and validate config.toml; JIBAO_DATABASE_URL overrides database_url."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        translate = Translator(file_language({}))
        missing = isinstance(exc, FileNotFoundError)
        line = translate(
            "config.no_file" if missing else "config.unreadable", file=path, detail=exc
        )
        raise ConfigError([line], translate.language) from exc
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        translate = Translator(text_language(text))
        line = translate("config.not_toml", file=path, detail=exc)
        raise ConfigError([line], translate.language) from exc
    try:
        return settings_from_table(table, environ=dict(os.environ) if environ is None else environ)
    except ConfigError as exc:
        lines = [line if line.startswith(ENV_PREFIX) else f"{path}: {line}" for line in exc.lines]
        raise ConfigError(lines, exc.language) from exc


def settings_from_table(table: dict[str, Any], *, environ: Any = None) -> Settings:
    """Validate a parsed config table (tests build them in memory); every problem at once."""
    environ = environ or {}
    file_table = {k: v for k, v in table.items() if k not in RULE_TABLES}
    problems = unknown_keys(table, FileSettings, "", extra=RULE_TABLES)
    try:
        files = FileSettings(**file_table)
    except ValidationError as exc:
        problems += validation_problems(exc)
    else:
        problems += template_problems(files.notifications.providers)
    zone = table.get("timezone")
    rules = _parsed(table, "rules", problems, parse_ruleset, timezone=_zone_name(zone))
    policy = _parsed(table, "escalation", problems, parse_policy)
    secret = environ.get(SECRET_KEY, "")
    if secret and len(secret) < MIN_SECRET_KEY:
        problems.append(Problem(SECRET_KEY, "secret_too_short", {"min": str(MIN_SECRET_KEY)}))
    problems += parent_problems(file_table.get("upward"), environ, file_table=file_table)
    problems += robot_problems(table)
    if problems:
        translate = Translator(file_language(table))
        raise ConfigError(describe(problems, translate), translate.language)
    checked = {**file_table, "rules": rules, "rules_table": table["rules"], "escalation": policy}
    sources = (Environment(Settings, environ), ConfigTable(Settings, checked))
    return Settings(_build_sources=(sources, {}))


def _zone_name(value: object) -> str:
    return value if isinstance(value, str) else "Asia/Shanghai"  # a non-string is pydantic's


def _parsed(
    table: dict[str, Any], name: str, problems: list[Problem], parse: Any, **options: Any
) -> Any:
    """`parse(table[name])`, noting its problems (or that the table is missing) in `problems`."""
    if name not in table:
        problems.append(Problem(name, "required_table"))
        return None
    try:
        return parse(table[name], **options)
    except RulesetError as exc:
        problems.extend(exc.problems)
        return None
