"""Aliyun voice notification (语音通知, dyvmsapi 2017-05-25): SingleCallByTts, a call that speaks an
approved text-to-speech template with the message's parameters, through the official SDK.

SingleCallByTts takes no key-press menu; Aliyun's call report (VoiceReport) carries the keys
pressed (`dtmf`) when the template collects them, and the service reads a `1` there as 收到.
Provider ids are `aliyun-voice:<CallId>`."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_dyvmsapi20170525 import models as voice_models
from alibabacloud_dyvmsapi20170525.client import Client

from notifiers.aliyun_common import AliyunSettings, answer_code, client_config, outcome_of
from notifiers.base import Message, SendResult
from notifiers.provider_ids import ALIYUN_VOICE as PREFIX
from notifiers.templated import local_number, template_of


class AliyunVoiceNotifier:
    """One text-to-speech call per message; the notification id rides along as OutId."""

    channel = "voice"
    provider = "aliyun"

    def __init__(self, settings: AliyunSettings) -> None:
        self.settings = settings
        self.client = Client(client_config(settings))

    async def send(self, message: Message) -> SendResult:
        """Place one call; SENT carries `aliyun-voice:<CallId>`."""
        found = template_of(message, self.settings.templates, self.settings.max_param_chars)
        if isinstance(found, SendResult):
            return found
        template, params = found
        request = voice_models.SingleCallByTtsRequest(
            called_number=local_number(message.to),
            called_show_number=self.settings.called_show_number or None,
            tts_code=template.code,
            tts_param=json.dumps(params, ensure_ascii=False),
            play_times=self.settings.play_times,
            out_id=str(message.id),
        )

        def read(answer: Any) -> SendResult:
            body = answer.body
            call_id = getattr(body, "call_id", None)
            return answer_code(body.code, body.message, f"{PREFIX}{call_id}" if call_id else None)

        return await outcome_of(lambda: self.client.single_call_by_tts_async(request), read)

    async def close(self) -> None:
        """The SDK opens a session per request: nothing to release."""
