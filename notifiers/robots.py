"""Group chat robots: WeCom (企业微信) group robots, DingTalk (钉钉) custom robots and Feishu
(飞书) custom bots, one signed JSON POST per message, with aiohttp.

Each provider's wire protocol as it documents it:

- **WeCom**: `POST <url>` (`…/cgi-bin/webhook/send?key=KEY`), `{"msgtype": "text", "text":
  {"content", "mentioned_mobile_list"}}`. Text, not markdown: WeCom's markdown mentions only by
  WeCom user id (`<@userid>`), and what we hold is the person's mobile. No signature: the key in
  the URL is the credential. Answers `{"errcode": 0}`; 45009 is its rate limit (20 a minute).
- **DingTalk**: `POST <url>&timestamp=MS&sign=SIGN` where SIGN is the URL-encoded base64
  HMAC-SHA256, keyed with the secret, of `"{timestamp}\\n{secret}"` (加签); `{"msgtype":
  "markdown", "markdown": {"title", "text"}, "at": {"atMobiles", "isAtAll": false}}` with each
  `@mobile` also in the text, or the mention does not render. Answers `{"errcode": 0}`; 310000
  is a bad or stale signature, 130101 and 660026 its rate limit (20 a minute).
- **Feishu**: `POST <url>` with `{"timestamp": S, "sign": SIGN, "msg_type": "text", "content":
  {"text"}}`, SIGN the base64 HMAC-SHA256 keyed with `"{timestamp}\\n{secret}"` of an empty
  message. Answers `{"code": 0}`; 19021 is a bad or stale signature, 11232 its rate limit (100 a
  minute, 5 a second). A custom bot mentions only by Feishu user id, so the person's name and
  mobile are written in the text instead.

The robot's own rate is kept by the outbox (alerts/escalation/robot_claims.py), which bundles
what exceeds it; `ROBOT_RATE_LIMITS` (notifiers/provider_ids.py) says what each provider
publishes. Outcomes: errcode/code 0 → SENT; a rate-limit code, 429 or 5xx → FAILED_TEMP; any
other code or status → FAILED_PERM; connection failures as for webhooks (notifiers/webhook.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote_plus

import aiohttp

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.webhook import classify_failure, retry_after_seconds

Kind = Literal["wecom", "dingtalk", "feishu"]
KINDS: tuple[Kind, ...] = ("wecom", "dingtalk", "feishu")
CHANNEL_PREFIX = "robot:"
RATE_LIMITED = {"wecom": {45009}, "dingtalk": {130101, 660026}, "feishu": {11232, 9499}}
RATE_RETRY_SECONDS = 60.0  # a limited robot is asked again after its window
_URL = re.compile(r"https?://[^\s)）]+")


@dataclass(frozen=True)
class RobotSettings:
    """One robot: where it posts and the secret it signs with (DingTalk, Feishu)."""

    name: str
    kind: Kind
    url: str
    secret: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        """Reject what could never send."""
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


def mobile(phone: str) -> str:
    """A phone as the robots mention it: a mainland number without +86, others as written."""
    return phone.removeprefix("+86") if phone.startswith("+86") else phone


def mentions_of(message: Message) -> list[str]:
    """The mobiles to @-mention: each person a (bundled) message is for."""
    named = message.data.get("mentions")
    phones = [str(p) for p in named] if isinstance(named, list) else [message.to]
    return list(dict.fromkeys(mobile(p) for p in phones if p))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """加签: the base64 HMAC-SHA256 of `timestamp\\nsecret` keyed with the secret (not encoded)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The base64 HMAC-SHA256 of an empty message keyed with `timestamp\\nsecret`."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def request_for(
    settings: RobotSettings, message: Message, now: float
) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body of one message, signed at `now` (seconds since the epoch)."""
    people = mentions_of(message)
    if settings.kind == "wecom":
        content = {"content": message.text, "mentioned_mobile_list": people}
        return settings.url, {"msgtype": "text", "text": content}
    if settings.kind == "dingtalk":
        url = settings.url
        if settings.secret:
            stamp = int(now * 1000)
            sign = quote_plus(dingtalk_sign(settings.secret, stamp))
            url += f"{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"
        text = _markdown(message, people)
        at = {"atMobiles": people, "isAtAll": False}
        return url, {
            "msgtype": "markdown",
            "markdown": {"title": _title(message), "text": text},
            "at": at,
        }
    body: dict[str, Any] = {"msg_type": "text", "content": {"text": _feishu_text(message)}}
    if settings.secret:
        stamp = int(now)
        body = {"timestamp": str(stamp), "sign": feishu_sign(settings.secret, stamp), **body}
    return settings.url, body


def _title(message: Message) -> str:
    return (message.subject or message.text)[:60]


def _markdown(message: Message, people: Sequence[str]) -> str:
    """DingTalk's text: the message, the acknowledgement link as a link, each @mobile."""
    text = _URL.sub(lambda found: f"[{found[0]}]({found[0]})", message.text)
    lines = [text.replace("\n", "\n\n")]
    if message.ack_url:
        lines.append(f"[确认收到 Acknowledge]({message.ack_url})")
    if people:
        lines.append(" ".join(f"@{p}" for p in people))
    return "\n\n".join(lines)


def _feishu_text(message: Message) -> str:
    names = message.data.get("mention_names")
    people = mentions_of(message)
    if isinstance(names, list) and len(names) == len(people):
        shown = [f"@{n}（{p}）" for n, p in zip(names, people, strict=True)]
    else:
        shown = [f"@{p}" for p in people]
    return "\n".join([message.text, *([" ".join(shown)] if shown else [])])


def result_of(
    kind: str, status: int, answer: Any, headers: Any, notification_id: int = 0
) -> SendResult:
    """The outcome of one POST from its status and the provider's JSON answer (which carries
    no message id: the provider id is ours, `dingtalk-<notification id>`)."""
    if status == 429 or 500 <= status < 600:
        retry = retry_after_seconds(headers.get("Retry-After"), headers.get("Date"))
        return SendResult(DeliveryState.FAILED_TEMP, error=f"HTTP {status}", retry_after=retry)
    if not 200 <= status < 300:
        return SendResult(DeliveryState.FAILED_PERM, error=f"HTTP {status}")
    if not isinstance(answer, dict):
        return SendResult(DeliveryState.UNKNOWN, error="the robot's answer is not JSON")
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode")))
    said = answer.get("errmsg", answer.get("msg", answer.get("StatusMessage", "")))
    if code == 0:
        return SendResult(DeliveryState.SENT, provider_id=f"{kind}-{notification_id}")
    error = f"{kind} {code}: {said}"
    if code in RATE_LIMITED.get(kind, set()):
        return SendResult(DeliveryState.FAILED_TEMP, error=error, retry_after=RATE_RETRY_SECONDS)
    return SendResult(DeliveryState.FAILED_PERM, error=error)


class RobotNotifier:
    """Posts each message to one robot; its channel is `robot:NAME`."""

    def __init__(self, settings: RobotSettings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.channel = CHANNEL_PREFIX + settings.name
        self._clock = clock  # only for signing: the provider checks it against its own clock
        self._session: aiohttp.ClientSession | None = None

    async def send(self, message: Message) -> SendResult:
        """POST one message; the outcome as a SendResult, never by raising."""
        try:
            url, body = request_for(self.settings, message, self._clock())
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            return SendResult(DeliveryState.FAILED_PERM, error=f"cannot encode body: {exc}")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            session = self._session_in_loop()
            async with session.post(
                url, data=data, headers=headers, allow_redirects=False
            ) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                return result_of(
                    self.settings.kind, response.status, answer, response.headers, message.id
                )
        except Exception as exc:  # the Notifier contract: failures are values
            return classify_failure(exc)

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _session_in_loop(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds),
                connector=aiohttp.TCPConnector(force_close=True),  # as webhooks: see there
            )
        return self._session
