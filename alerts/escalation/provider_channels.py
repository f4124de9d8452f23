"""The sms and voice channels over the providers `notifications.providers.routes` names, in
order, behind one circuit breaker per channel (notifiers/failover.py, docs/decisions/0020)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.config import NotificationSettings
from alerts.config_providers import ProvidersSettings, routed_providers
from notifiers.base import Notifier
from notifiers.dry import DryNotifier
from notifiers.failover import Breaker, FailoverNotifier, Pause, Quota
from notifiers.templated import IdenticalGuard, Template

log = logging.getLogger(__name__)


def _templates(table: object, kinds: Mapping[str, object]) -> dict[str, Template]:
    found = {}
    for kind in kinds:
        names = table.params_of(kind)  # type: ignore[attr-defined]
        if names is not None:
            code = table.templates[kind].code  # type: ignore[attr-defined]
            found[kind] = Template(code, tuple(names))
    return found


def provider_notifiers(settings: ProvidersSettings) -> dict[tuple[str, str], Notifier]:
    """(channel, provider) -> notifier, for each enabled Aliyun and Tencent service whose
    secrets are set. A provider's SDK is imported only when it is configured (about 20 MiB
    resident for Aliyun's)."""
    from alerts.config_providers import TEMPLATE_KINDS

    found: dict[tuple[str, str], Notifier] = {}
    guard = IdenticalGuard()  # one per process: what one number got, whichever provider
    aliyun = settings.aliyun
    secret = aliyun.access_key_secret.get_secret_value()
    if aliyun.access_key_id and secret:
        from notifiers.aliyun_common import AliyunSettings
        from notifiers.aliyun_sms import AliyunSmsNotifier
        from notifiers.aliyun_voice import AliyunVoiceNotifier

        for channel, table in (("sms", aliyun.sms), ("voice", aliyun.voice)):
            if not table.enabled:
                continue
            config = AliyunSettings(
                access_key_id=aliyun.access_key_id,
                access_key_secret=secret,
                endpoint=table.endpoint,
                protocol=aliyun.protocol,
                timeout_seconds=aliyun.timeout_seconds,
                templates=_templates(table, TEMPLATE_KINDS),
                max_param_chars=table.max_param_chars,
                sign_name=getattr(table, "sign_name", ""),
                called_show_number=getattr(table, "called_show_number", ""),
                play_times=getattr(table, "play_times", 2),
            )
            found[(channel, "aliyun")] = (
                AliyunSmsNotifier(config, guard)
                if channel == "sms"
                else AliyunVoiceNotifier(config)
            )
    tencent = settings.tencent
    key = tencent.secret_key.get_secret_value()
    if tencent.enabled and tencent.secret_id and key:
        from notifiers.tencent_sms import TencentSettings, TencentSmsNotifier

        found[("sms", "tencent")] = TencentSmsNotifier(
            TencentSettings(
                secret_id=tencent.secret_id,
                secret_key=key,
                sdk_app_id=tencent.sdk_app_id,
                sign_name=tencent.sign_name,
                region=tencent.region,
                endpoint=tencent.endpoint,
                protocol=tencent.protocol,
                timeout_seconds=tencent.timeout_seconds,
                templates=_templates(tencent, TEMPLATE_KINDS),
                max_param_chars=tencent.max_param_chars,
            ),
            guard,
        )
    return found


def routed(settings: NotificationSettings, notifiers: dict[str, Notifier]) -> None:
    """Put the sms and voice channels over their routes (in place); Twilio stays the channel
    itself when a route names it alone."""
    providers = settings.providers
    built = provider_notifiers(providers)
    for channel, names in routed_providers(providers).items():
        default = providers.routes.get(channel, ["twilio"])  # type: ignore[call-overload]
        orders = {
            target: list(per_role[channel])
            for target, per_role in providers.role_routes.items()
            if channel in per_role
        }
        if names == ["twilio"]:
            continue
        chain: list[tuple[str, Notifier]] = []
        for name in names:
            notifier = notifiers.get(channel) if name == "twilio" else built.get((channel, name))
            if notifier is None or isinstance(notifier, DryNotifier):
                log.warning(
                    "%s provider %s has no credentials: left out of the route", channel, name
                )
                continue
            chain.append((name, notifier))
        if not chain:
            continue  # nothing configured: the channel stays as it was (dry)
        breaker = Breaker(providers.breaker.failures, providers.breaker.cool_off)
        quotas: dict[str, Quota] = {
            name: Quota(limits) for name, limits in providers.account_rate_limits.items() if limits
        }
        notifiers[channel] = FailoverNotifier(
            channel, chain, breaker, quotas, default=list(default), orders=orders
        )


def paused_providers(notifiers: Mapping[str, Notifier]) -> list[Pause]:
    """The providers skipped right now, on every routed channel."""
    pauses: list[Pause] = []
    for notifier in notifiers.values():
        if isinstance(notifier, FailoverNotifier):
            pauses.extend(notifier.paused())
    return pauses


def pause_lines(notifiers: Mapping[str, Notifier], zone: ZoneInfo) -> list[dict[str, str]]:
    """One line per paused provider, for the Now board: its catalogue name (`ui.provider_…`)
    and the local time it is tried again."""
    return [
        {
            "name": f"provider_{pause.channel}_{pause.provider}",
            "until": datetime.fromtimestamp(pause.until, zone).strftime("%H:%M"),
        }
        for pause in paused_providers(notifiers)
    ]
