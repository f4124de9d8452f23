"""Aliyun SMS (短信服务, dysmsapi 2017-05-25): SendSms with an approved template, through the
official SDK. Delivery reports and replies are pushed by Aliyun to the service
(alerts/api/provider_hooks.py); provider ids are `aliyun-sms:<BizId>`."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client

from notifiers.aliyun_common import AliyunSettings, answer_code, client_config, outcome_of
from notifiers.base import Message, SendResult
from notifiers.provider_ids import ALIYUN_SMS as PREFIX
from notifiers.templated import IDENTICAL_REFUSED, IdenticalGuard, local_number, template_of


class AliyunSmsNotifier:
    """One template SMS per message; the notification id rides along as OutId."""

    channel = "sms"
    provider = "aliyun"

    def __init__(self, settings: AliyunSettings, guard: IdenticalGuard | None = None) -> None:
        self.settings = settings
        self.client = Client(client_config(settings))
        self.guard = guard or IdenticalGuard()

    async def send(self, message: Message) -> SendResult:
        """Send one SMS; SENT carries `aliyun-sms:<BizId>`."""
        found = template_of(message, self.settings.templates, self.settings.max_param_chars)
        if isinstance(found, SendResult):
            return found
        template, params = found
        to = local_number(message.to)
        if self.guard.refused(to, template.code, params):
            return IDENTICAL_REFUSED
        request = sms_models.SendSmsRequest(
            phone_numbers=to,
            sign_name=self.settings.sign_name,
            template_code=template.code,
            template_param=json.dumps(params, ensure_ascii=False),
            out_id=str(message.id),
        )

        def read(answer: Any) -> SendResult:
            body = answer.body
            biz_id = getattr(body, "biz_id", None)
            return answer_code(body.code, body.message, f"{PREFIX}{biz_id}" if biz_id else None)

        result = await outcome_of(lambda: self.client.send_sms_async(request), read)
        if result.provider_id:
            self.guard.note(to, template.code, params)
        return result

    async def close(self) -> None:
        """The SDK opens a session per request: nothing to release."""
