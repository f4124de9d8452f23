"""The SMS channel: one text message through Twilio's Messages API."""

from __future__ import annotations

from notifiers.base import Message, SendResult
from notifiers.twilio_client import TwilioSettings, close_client, create_client, outcome_of


class SmsNotifier:
    """Sends `message.text` to `message.to` from the account's number; status comes back later
    to `settings.status_callback_url`."""

    channel = "sms"

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        self.client = create_client(settings)

    async def send(self, message: Message) -> SendResult:
        """Send one SMS; SENT carries the Message SID (SM…)."""
        return await outcome_of(
            lambda: self.client.messages.create_async(
                to=message.to,
                from_=self.settings.from_number,
                body=message.text,
                status_callback=self.settings.status_callback_url,
            )
        )

    async def close(self) -> None:
        """Close the HTTP session."""
        await close_client(self.client)
