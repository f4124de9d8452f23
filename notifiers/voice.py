"""The voice channel: a phone call that speaks the message and asks for a key press.

The call carries its TwiML inline: the message and "press 1" said twice inside a `<Gather>`,
whose action URL names the notification, so a key press reaches the service as an
acknowledgement. `gather_reply_twiml` is what the service answers to that callback."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from notifiers.base import Message, SendResult
from notifiers.twilio_client import TwilioSettings, close_client, create_client, outcome_of

LANGUAGE = "cmn-CN"
# Twilio's default voice ("man") speaks no Mandarin; an invalid voice/language pair fails <Say>.
VOICE = "Polly.Zhiyu"
PRESS_ONE = "请按1确认收到。"
NOT_PRESSED = "未收到按键确认，再见。"
ACKNOWLEDGED = "已确认收到，谢谢"
NOT_ACKNOWLEDGED = "未确认"
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
GATHER_TIMEOUT_SECONDS = 10
TWIML_MAX_CHARS = 4000  # Twilio's limit on the Twiml parameter


def gather_url(callback_base_url: str, message_id: int) -> str:
    """Where Twilio posts the key pressed during the call for notification `message_id`."""
    return f"{callback_base_url.rstrip('/')}/api/v1/twilio/voice/{message_id}/gather"


def call_twiml(message: Message, callback_base_url: str, *, voice: str = VOICE) -> str:
    """The call's TwiML: the message and the key-press prompt twice, then a goodbye."""
    for repeats in (2, 1):  # said once only if twice would not fit Twilio's limit
        response = VoiceResponse()
        gather = response.gather(
            num_digits=1,
            action=gather_url(callback_base_url, message.id),
            method="POST",
            timeout=GATHER_TIMEOUT_SECONDS,
        )
        for _ in range(repeats):
            gather.say(message.text, language=LANGUAGE, voice=voice)
            gather.say(PRESS_ONE, language=LANGUAGE, voice=voice)
        response.say(NOT_PRESSED, language=LANGUAGE, voice=voice)
        twiml = str(response.to_xml())
        if len(twiml) <= TWIML_MAX_CHARS:
            break
    return twiml


def gather_reply_twiml(acknowledged: bool, *, voice: str = VOICE) -> str:
    """The TwiML answered to the gather callback: thanks, or "not acknowledged"."""
    response = VoiceResponse()
    words = ACKNOWLEDGED if acknowledged else NOT_ACKNOWLEDGED
    response.say(words, language=LANGUAGE, voice=voice)
    response.hangup()
    return str(response.to_xml())


class VoiceNotifier:
    """Calls `message.to` from the account's number; call progress comes back to
    `settings.status_callback_url`, a key press to the gather URL."""

    channel = "voice"

    def __init__(self, settings: TwilioSettings, *, voice: str = VOICE) -> None:
        self.settings = settings
        self.voice = voice
        self.client = create_client(settings)

    async def send(self, message: Message) -> SendResult:
        """Place one call; SENT carries the Call SID (CA…)."""

        async def place_call() -> object:
            twiml = call_twiml(message, self.settings.callback_base_url, voice=self.voice)
            return await self.client.calls.create_async(
                to=message.to,
                from_=self.settings.from_number,
                twiml=twiml,
                status_callback=self.settings.status_callback_url,
                status_callback_event=list(STATUS_EVENTS),
                status_callback_method="POST",
            )

        return await outcome_of(place_call)

    async def close(self) -> None:
        """Close the HTTP session."""
        await close_client(self.client)
