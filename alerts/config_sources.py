"""Where settings come from, as pydantic-settings sources: the JIBAO_* environment over
config.toml's checked table.

The environment is a mapping handed in (os.environ in the service, a dict in tests), and its
names are the documented ones (JIBAO_TWILIO_AUTH_TOKEN, not pydantic-settings' nested
JIBAO_NOTIFICATIONS__TWILIO__AUTH_TOKEN). Secrets come from here only: config.toml may not hold
them (alerts/config_problems.py refuses them as unknown keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from alerts.config_providers import provider_secrets
from rules.problems import Problem

DATABASE_URL = "JIBAO_DATABASE_URL"
SECRET_KEY = "JIBAO_SECRET_KEY"
TWILIO_AUTH_TOKEN = "JIBAO_TWILIO_AUTH_TOKEN"
SMTP_PASSWORD = "JIBAO_SMTP_PASSWORD"
WEBHOOK_SECRET = "JIBAO_WEBHOOK_SECRET_"  # + the webhook's name in capitals
ROBOT_SECRET = "JIBAO_ROBOT_SECRET_"  # + the robot's name in capitals: DingTalk/Feishu signing
UPWARD_TOKEN = "JIBAO_UPWARD_TOKEN_"  # + the parent's name in capitals: the token it issued us
UPWARD_SECRET = "JIBAO_UPWARD_SECRET_"  # + the parent's name: signs what is filed there
CHILD_SECRET = "JIBAO_CHILD_SECRET_"  # + a child Jibao's unit code: signs instructions sent down


class _Values(PydanticBaseSettingsSource):
    """A source whose values are worked out once, as one (nested) table."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self.values = dict(values)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """The value of one top-level field (pydantic-settings' per-field interface)."""
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)

    def __repr__(self) -> str:  # its values may be secrets
        return f"{type(self).__name__}({sorted(self.values)})"


class ConfigTable(_Values):
    """config.toml once checked: its keys, with [rules] and [escalation] as parsed."""


class Environment(_Values):
    """The JIBAO_* variables of one environment: the database URL and every secret."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls, environment_values(environ))


def environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment sets, as a table shaped like config.toml's; secrets are
    wrapped at once, so not even pydantic-settings' debug log can show them."""
    values: dict[str, Any] = {"secret_key": SecretStr(environ.get(SECRET_KEY, ""))}
    if environ.get(DATABASE_URL):
        values["database_url"] = environ[DATABASE_URL]
    notifications: dict[str, Any] = {
        "webhook_secrets": {
            name.removeprefix(WEBHOOK_SECRET).lower(): SecretStr(value)
            for name, value in environ.items()
            if name.startswith(WEBHOOK_SECRET) and value
        },
        "robot_secrets": _named(environ, ROBOT_SECRET),
    }
    if environ.get(TWILIO_AUTH_TOKEN):
        notifications["twilio"] = {"auth_token": SecretStr(environ[TWILIO_AUTH_TOKEN])}
    if environ.get(SMTP_PASSWORD):
        notifications["email"] = {"password": SecretStr(environ[SMTP_PASSWORD])}
    notifications["providers"] = provider_secrets(environ)
    values["notifications"] = notifications
    values["upward"] = {
        "tokens": _named(environ, UPWARD_TOKEN),
        "secrets": _named(environ, UPWARD_SECRET),
        "child_secrets": _named(environ, CHILD_SECRET),
    }
    return values


def _named(environ: Mapping[str, str], prefix: str) -> dict[str, SecretStr]:
    """`PREFIX<NAME>=value` variables by lower-case name, wrapped as secrets."""
    return {
        name.removeprefix(prefix).lower(): SecretStr(value)
        for name, value in environ.items()
        if name.startswith(prefix) and value
    }


def parent_problems(
    table: object, environ: Mapping[str, str], *, file_table: Mapping[str, Any] | None = None
) -> list[Problem]:
    """What `[[upward.parents]]` gets wrong beyond each row's own fields: a name used twice,
    and what each route needs: `jibao` a url and the token its parent issued
    (JIBAO_UPWARD_TOKEN_<NAME>); `email` the duty room's address and an SMTP host
    ([notifications.email] host); `webhook` a url and its signing secret
    (JIBAO_UPWARD_SECRET_<NAME>)."""
    problems = _child_problems(table, environ)
    rows = table.get("parents") if isinstance(table, Mapping) else None
    if not isinstance(rows, list):
        return problems
    seen = set()
    for index, row in enumerate(rows):
        name = row.get("name") if isinstance(row, Mapping) else None
        if not isinstance(name, str) or not name:
            continue
        path = f"upward.parents[{index}]"
        if name in seen:
            problems.append(Problem(f"{path}.name", "duplicate_parent", {"value": name}))
            continue
        seen.add(name)
        route = row.get("route", "jibao")
        if route not in ROUTE_NEEDS:
            continue  # pydantic names the choices
        for key in ROUTE_NEEDS[route]:
            if not row.get(key):
                problems.append(
                    Problem(f"{path}.{key}", "parent_route_needs", {"route": route, "field": key})
                )
        token, secret = UPWARD_TOKEN + name.upper(), UPWARD_SECRET + name.upper()
        if route == "jibao" and not environ.get(token):
            problems.append(Problem(token, "parent_token_missing", {"parent": name}))
        if route == "webhook" and not environ.get(secret):
            problems.append(Problem(secret, "parent_secret_missing", {"parent": name}))
        if route == "email" and not _smtp_host(file_table):
            problems.append(
                Problem("notifications.email.host", "parent_smtp_missing", {"parent": name})
            )
    return problems


def _child_problems(table: object, environ: Mapping[str, str]) -> list[Problem]:
    """`[[upward.children]]`: a unit named twice, or without its signing secret."""
    rows = table.get("children") if isinstance(table, Mapping) else None
    if not isinstance(rows, list):
        return []
    problems, seen = [], set()
    for index, row in enumerate(rows):
        unit = row.get("unit") if isinstance(row, Mapping) else None
        if not isinstance(unit, str) or not unit:
            continue
        if unit in seen:
            path = f"upward.children[{index}].unit"
            problems.append(Problem(path, "duplicate_parent", {"value": unit}))
            continue
        seen.add(unit)
        variable = CHILD_SECRET + unit.upper()
        if not environ.get(variable):
            problems.append(Problem(variable, "child_secret_missing", {"unit": unit}))
    return problems


# the keys of a parent's row each route needs
ROUTE_NEEDS = {"jibao": ("url",), "email": ("email",), "webhook": ("url",)}


def _smtp_host(file_table: Mapping[str, Any] | None) -> object:
    notifications = (file_table or {}).get("notifications")
    email = notifications.get("email") if isinstance(notifications, Mapping) else None
    return email.get("host") if isinstance(email, Mapping) else None
