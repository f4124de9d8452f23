"""`jibao doctor`'s checks of the providers in China (Aliyun, Tencent Cloud): an enabled one has
its id and its secret, and the callback token its reports and replies need. Nothing is sent
(a send costs money and reaches a phone); templates are checked by `check-config`."""

from __future__ import annotations

from alerts.cli.findings import Finding, ok, problem
from alerts.config_providers import (
    ALIYUN_CALLBACK_TOKEN,
    ALIYUN_SECRET,
    TENCENT_CALLBACK_TOKEN,
    TENCENT_SECRET,
    ProvidersSettings,
    routed_providers,
)


def check_providers(settings: ProvidersSettings) -> list[Finding]:
    """A finding or two for each enabled Aliyun or Tencent service on a route."""
    routed = {name for names in routed_providers(settings).values() for name in names}
    found: list[Finding] = []
    aliyun = settings.aliyun
    services = [c for c, t in (("sms", aliyun.sms), ("voice", aliyun.voice)) if t.enabled]
    if "aliyun" in routed and services:
        found += _one(
            "aliyun",
            ", ".join(services),
            {"access_key_id": aliyun.access_key_id, ALIYUN_SECRET: _set(aliyun.access_key_secret)},
            ALIYUN_CALLBACK_TOKEN if not _set(aliyun.callback_token) else "",
        )
    tencent = settings.tencent
    if "tencent" in routed and tencent.enabled:
        found += _one(
            "tencent",
            "sms",
            {
                "secret_id": tencent.secret_id,
                "sdk_app_id": tencent.sdk_app_id,
                "sign_name": tencent.sign_name,
                TENCENT_SECRET: _set(tencent.secret_key),
            },
            TENCENT_CALLBACK_TOKEN if not _set(tencent.callback_token) else "",
        )
    return found


def _set(secret: object) -> str:
    return "set" if getattr(secret, "get_secret_value", lambda: "")() else ""


def _one(provider: str, channels: str, given: dict[str, str], no_token: str) -> list[Finding]:
    missing = [name for name, value in given.items() if not value]
    if missing:
        missing_text = ", ".join(missing)
        return [
            problem(
                "providers",
                "provider_incomplete",
                fix="provider",
                provider=provider,
                missing=missing_text,
            )
        ]
    found = [ok("providers", "provider_ready", provider=provider, channels=channels)]
    if no_token:
        found.append(
            problem(
                "providers",
                "provider_no_callback",
                fix="provider_callback",
                provider=provider,
                variable=no_token,
            )
        )
    return found
