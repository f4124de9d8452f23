"""Tencent Cloud SMS (短信, 2021-01-11): SendSms with an approved template, through the official
SDK's async client. Status reports and replies are posted by Tencent to the service
(alerts/api/provider_hooks.py); provider ids are `tencent-sms:<SerialNo>`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client_async import SmsClient

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.provider_ids import TENCENT_SMS as PREFIX
from notifiers.templated import IDENTICAL_REFUSED, IdenticalGuard, Template, template_of

log = logging.getLogger(__name__)
# error codes that mean "not now": Tencent's side, or a quota that frees up later
_TEMPORARY = ("InternalError", "LimitExceeded", "RequestLimitExceeded", "ServerNetworkError")


@dataclass(frozen=True, kw_only=True)
class TencentSettings:
    """One Tencent Cloud SMS application: credentials, endpoint and templates."""

    secret_id: str
    secret_key: str = field(repr=False)
    sdk_app_id: str
    sign_name: str
    region: str = "ap-guangzhou"
    endpoint: str = "sms.tencentcloudapi.com"
    protocol: str = "https"
    timeout_seconds: float = 10.0
    templates: Mapping[str, Template] = field(default_factory=dict)
    max_param_chars: int = 12


class TencentSmsNotifier:
    """One template SMS per message; the notification id rides along as SessionContext."""

    channel = "sms"
    provider = "tencent"

    def __init__(self, settings: TencentSettings, guard: IdenticalGuard | None = None) -> None:
        self.settings = settings
        self.guard = guard or IdenticalGuard()
        profile = ClientProfile(
            httpProfile=HttpProfile(
                protocol=settings.protocol,
                endpoint=settings.endpoint,
                reqTimeout=settings.timeout_seconds,
            )
        )
        self.client = SmsClient(
            Credential(settings.secret_id, settings.secret_key), settings.region, profile
        )

    async def send(self, message: Message) -> SendResult:
        """Send one SMS; SENT carries `tencent-sms:<SerialNo>`."""
        found = template_of(message, self.settings.templates, self.settings.max_param_chars)
        if isinstance(found, SendResult):
            return found
        template, params = found
        values = [params[name] for name in template.params]
        if self.guard.refused(message.to, template.code, values):
            return IDENTICAL_REFUSED
        request = sms_models.SendSmsRequest()
        request.PhoneNumberSet = [message.to]
        request.SmsSdkAppId = self.settings.sdk_app_id
        request.SignName = self.settings.sign_name
        request.TemplateId = template.code
        request.TemplateParamSet = values
        request.SessionContext = str(message.id)
        try:
            answer = await self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            temporary = code.startswith(_TEMPORARY)
            state = DeliveryState.FAILED_TEMP if temporary else DeliveryState.FAILED_PERM
            return _logged(SendResult(state, error=f"Tencent {code}: {exc.get_message()}"[:1000]))
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return _logged(SendResult(DeliveryState.FAILED_TEMP, error=f"not sent: {exc!r}"))
        except Exception as exc:  # a read timeout, a dropped connection: it may have gone
            return _logged(SendResult(DeliveryState.UNKNOWN, error=f"no answer: {exc!r}"[:1000]))
        statuses = answer.SendStatusSet or []
        status = statuses[0] if statuses else None
        if status is None:
            return _logged(SendResult(DeliveryState.UNKNOWN, error="Tencent answered no status"))
        if status.Code != "Ok" or not status.SerialNo:
            code = str(status.Code or "")
            temporary = code.startswith(_TEMPORARY)
            state = DeliveryState.FAILED_TEMP if temporary else DeliveryState.FAILED_PERM
            return _logged(SendResult(state, error=f"Tencent {code}: {status.Message}"))
        self.guard.note(message.to, template.code, values)
        return SendResult(DeliveryState.SENT, provider_id=f"{PREFIX}{status.SerialNo}")

    async def close(self) -> None:
        """Close the SDK's HTTP client."""
        await self.client.close()


def _logged(result: SendResult) -> SendResult:
    log.warning("Tencent send %s: %s", result.state.value, result.error)
    return result
