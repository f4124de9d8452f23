"""Settings of the providers that reach phones in China: Aliyun SMS and voice notification and
Tencent Cloud SMS, the order each kind of channel tries its providers in, and the circuit
breaker that skips a provider in trouble (docs/decisions/0020).

Providers send templates, not free text: each kind of message (`TEMPLATE_KINDS`) names a template
the provider approved, and the parameters filled into it, in order (Tencent's are positional).
Secrets come from the environment only (`provider_secrets`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, SecretStr, field_validator
from pydantic_core import PydanticCustomError

from rules.durations import parse_duration
from rules.problems import Problem

# the kinds of message a provider template is needed for, and the parameters each may use
TEMPLATE_KINDS: dict[str, tuple[str, ...]] = {
    "reminder": ("unit", "title", "what", "due", "code", "step", "time"),
    "overdue": ("unit", "title", "what", "late", "code", "step", "time"),
    "ack_pause": ("unit", "title", "what", "pause", "code", "time"),
    "stand_down": ("unit", "title", "time"),
    "roster": ("notice", "time"),
    "relay": ("issuer", "unit", "due", "code", "time"),
    "bundle": ("count", "time"),
}
PROVIDERS = ("aliyun", "tencent", "twilio")
ALIYUN_SECRET = "JIBAO_ALIYUN_ACCESS_KEY_SECRET"
ALIYUN_CALLBACK_TOKEN = "JIBAO_ALIYUN_CALLBACK_TOKEN"
TENCENT_SECRET = "JIBAO_TENCENT_SECRET_KEY"
TENCENT_CALLBACK_TOKEN = "JIBAO_TENCENT_CALLBACK_TOKEN"


def _duration(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return parse_duration(value)
    except ValueError:
        raise PydanticCustomError("not_duration", "not a duration") from None


class TemplateConfig(BaseModel):
    """One approved template: its code (SMS_123…, TTS_456…, Tencent's numeric id) and the
    parameters filled into it, in the template's order; empty: all of the kind's, in order."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64)
    params: list[str] = []


class _Templated(BaseModel):
    model_config = ConfigDict(extra="forbid")
    templates: dict[str, TemplateConfig] = {}

    @field_validator("templates")
    @classmethod
    def _known(cls, templates: dict[str, TemplateConfig]) -> dict[str, TemplateConfig]:
        for kind, template in templates.items():
            allowed = TEMPLATE_KINDS.get(kind)
            if allowed is None:
                raise PydanticCustomError(
                    "provider_template_kind",
                    "no such kind of message: {kind}",
                    {"kind": kind, "choices": ", ".join(TEMPLATE_KINDS)},
                )
            for name in template.params:
                if name not in allowed:
                    raise PydanticCustomError(
                        "provider_template_param",
                        "{kind} has no parameter {name}",
                        {"kind": kind, "name": name, "choices": ", ".join(allowed)},
                    )
        return templates

    def params_of(self, kind: str) -> list[str] | None:
        """The parameter names of `kind`'s template, in order; None if it has none."""
        template = self.templates.get(kind)
        if template is None:
            return None
        return list(template.params or TEMPLATE_KINDS[kind])


class AliyunSmsConfig(_Templated):
    """Aliyun SMS (dysmsapi 2017-05-25, SendSms)."""

    enabled: bool = False
    endpoint: str = "dysmsapi.aliyuncs.com"  # host[:port]: Aliyun, a proxy or a stand-in
    sign_name: str = ""
    max_param_chars: PositiveInt = 35  # Aliyun: an ordinary variable is at most 35 characters


class AliyunVoiceConfig(_Templated):
    """Aliyun voice notification (dyvmsapi 2017-05-25, SingleCallByTts)."""

    enabled: bool = False
    endpoint: str = "dyvmsapi.aliyuncs.com"
    called_show_number: str = ""  # empty: the template's public-mode number
    play_times: int = Field(default=2, ge=1, le=3)
    max_param_chars: PositiveInt = 35


class AliyunConfig(BaseModel):
    """One Aliyun account: its AccessKey, and the SMS and voice services it uses."""

    model_config = ConfigDict(extra="forbid")
    access_key_id: str = ""
    protocol: Literal["https", "http"] = "https"  # http only for a local stand-in
    timeout_seconds: float = Field(default=10.0, gt=0)
    sms: AliyunSmsConfig = AliyunSmsConfig()
    voice: AliyunVoiceConfig = AliyunVoiceConfig()
    access_key_secret: SecretStr = Field(default=SecretStr(""), exclude=True)  # env only
    callback_token: SecretStr = Field(default=SecretStr(""), exclude=True)  # env only


class TencentSmsConfig(_Templated):
    """Tencent Cloud SMS (2021-01-11, SendSms)."""

    enabled: bool = False
    secret_id: str = ""
    sdk_app_id: str = ""
    sign_name: str = ""
    region: str = "ap-guangzhou"
    endpoint: str = "sms.tencentcloudapi.com"
    protocol: Literal["https", "http"] = "https"
    timeout_seconds: float = Field(default=10.0, gt=0)
    max_param_chars: PositiveInt = 12  # Tencent: personal accounts, 12 characters a variable
    secret_key: SecretStr = Field(default=SecretStr(""), exclude=True)  # env only
    callback_token: SecretStr = Field(default=SecretStr(""), exclude=True)  # env only


class BreakerConfig(BaseModel):
    """A provider that fails `failures` times running is skipped for `cool_off`."""

    model_config = ConfigDict(extra="forbid")
    failures: PositiveInt = 3
    cool_off: timedelta = timedelta(minutes=5)

    @field_validator("cool_off", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return _duration(value)


class ProvidersSettings(BaseModel):
    """The providers of the sms and voice channels, tried in `routes` order per message."""

    model_config = ConfigDict(extra="forbid")
    aliyun: AliyunConfig = AliyunConfig()
    tencent: TencentSmsConfig = TencentSmsConfig()
    routes: dict[Literal["sms", "voice"], list[Literal["aliyun", "tencent", "twilio"]]] = {
        "sms": ["twilio"],
        "voice": ["twilio"],
    }
    # per recipient, as escalation steps name them (`office.county_leader`, `person:+86…`): a
    # provider order of its own for sms or voice
    role_routes: dict[
        str, dict[Literal["sms", "voice"], list[Literal["aliyun", "tencent", "twilio"]]]
    ] = {}
    breaker: BreakerConfig = BreakerConfig()
    # per provider account, at most N messages in each window (a provider's own quota)
    account_rate_limits: dict[
        Literal["aliyun", "tencent", "twilio"], dict[timedelta, PositiveInt]
    ] = {}

    @field_validator("account_rate_limits", mode="before")
    @classmethod
    def _windows(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        return {
            name: {_duration(k): v for k, v in limits.items()}
            if isinstance(limits, dict)
            else limits
            for name, limits in value.items()
        }

    @field_validator("role_routes")
    @classmethod
    def _role_routes(
        cls, routes: dict[str, dict[str, list[str]]]
    ) -> dict[str, dict[str, list[str]]]:
        for per_role in routes.values():
            cls._no_repeats(per_role)
        return routes

    @field_validator("routes")
    @classmethod
    def _no_repeats(cls, routes: dict[str, list[str]]) -> dict[str, list[str]]:
        for kind, names in routes.items():
            if not names or len(set(names)) != len(names):
                raise PydanticCustomError(
                    "provider_route",
                    "{kind}: name each provider once, at least one",
                    {"kind": kind},
                )
            if kind == "voice" and "tencent" in names:
                raise PydanticCustomError(
                    "provider_route_voice", "voice: Tencent here sends SMS only", {"kind": kind}
                )
        return routes

    def templated(self, provider: str, kind: str) -> _Templated | None:
        """The template table of `provider` for channel `kind`; None for Twilio (free text)."""
        if provider == "aliyun":
            return self.aliyun.sms if kind == "sms" else self.aliyun.voice
        if provider == "tencent" and kind == "sms":
            return self.tencent
        return None


def missing_templates(settings: ProvidersSettings) -> list[tuple[str, str, str]]:
    """(channel, provider, kind) of every template an enabled, routed provider lacks."""
    missing: list[tuple[str, str, str]] = []
    for channel, names in routed_providers(settings).items():
        for name in names:
            table = settings.templated(name, channel)
            if table is None or not getattr(table, "enabled", False):
                continue
            for kind in TEMPLATE_KINDS:
                if kind == "bundle":
                    continue  # optional: without it a burst goes as its first message
                if kind not in table.templates:
                    missing.append((channel, name, kind))
    return missing


def routed_providers(settings: ProvidersSettings) -> dict[str, list[str]]:
    """Every provider each channel may use: its route's, then any a role's route adds."""
    found: dict[str, list[str]] = {kind: list(names) for kind, names in settings.routes.items()}
    for per_role in settings.role_routes.values():
        for kind, names in per_role.items():
            known = found.setdefault(kind, ["twilio"])
            known.extend(name for name in names if name not in known)
    return found


def template_problems(settings: ProvidersSettings) -> list[Problem]:
    """A problem for each template an enabled, routed provider lacks (`jibao check-config`)."""
    problems = []
    for channel, name, kind in missing_templates(settings):
        section = f"{name}.{channel}" if name == "aliyun" else name
        path = f"notifications.providers.{section}.templates.{kind}"
        problems.append(
            Problem(path, "provider_template_missing", {"provider": name, "channel": channel})
        )
    return problems


def provider_secrets(environ: Mapping[str, str]) -> dict[str, Any]:
    """The providers' secrets the environment sets, shaped like `ProvidersSettings`."""
    aliyun = {
        key: SecretStr(environ[name])
        for key, name in (
            ("access_key_secret", ALIYUN_SECRET),
            ("callback_token", ALIYUN_CALLBACK_TOKEN),
        )
        if environ.get(name)
    }
    tencent = {
        key: SecretStr(environ[name])
        for key, name in (
            ("secret_key", TENCENT_SECRET),
            ("callback_token", TENCENT_CALLBACK_TOKEN),
        )
        if environ.get(name)
    }
    values: dict[str, Any] = {}
    if aliyun:
        values["aliyun"] = aliyun
    if tencent:
        values["tencent"] = tencent
    return values
