"""A local stand-in for Twilio: its REST API for messages and calls, and the requests it makes.

It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` and `/Calls.json` as Twilio does
(basic auth, required parameters, E.164 numbers, Twilio-shaped JSON and errors), records what it
accepted, fails on demand, and posts signed status callbacks, inbound SMS and key presses.

It runs aiohttp.web in a thread with its own event loop, so one object serves sync tests, async
tests and a service running in yet another thread:

    with TwilioStandIn() as twilio:                     # or: async with TwilioStandIn() as twilio
        settings = TwilioSettings(api_base_url=twilio.base_url, account_sid=twilio.account_sid,
                                  auth_token=twilio.auth_token, ...)
        twilio.fail_next(500)                           # the next request answers 500
        ... send ...
        twilio.messages_to("+8613800000000")            # what was accepted for that number
        twilio.connections                              # TCP connections the requests came on
        twilio.wait_for_callbacks()                     # status callbacks all posted
        twilio.press_key(twilio.calls[0], "1")          # POST Digits=1 to the call's Gather action

Blocking helpers (`send_inbound_sms`, `press_key`, `wait_for_callbacks`) refuse to run inside an
event loop, where they could starve a server in that loop; await their `_async` twins there."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

T = TypeVar("T")

API_VERSION = "2010-04-01"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SMS_STATUSES = {  # the callback sequence for each `CallbackOutcome.sms`
    "delivered": ["queued", "sent", "delivered"],
    "sent": ["queued", "sent"],
    "undelivered": ["queued", "sent", "undelivered"],
    "failed": ["queued", "failed"],
}
CALL_STATUSES = {  # the callback sequence for each `CallbackOutcome.call`
    "completed": ["initiated", "ringing", "in-progress", "completed"],
    "no-answer": ["initiated", "ringing", "no-answer"],
    "busy": ["initiated", "ringing", "busy"],
    "failed": ["initiated", "failed"],
}
CALL_EVENTS = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}
ERROR_CODES = {"undelivered": "30003", "failed": "30008"}
# Twilio's magic test numbers: syntactically fine, refused with these errors.
REFUSED_NUMBERS = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable."),
    "+15005550003": (21408, "Permission to send to this region has not been enabled."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient."),
    "+15005550009": (21614, "'To' number is not a valid mobile number."),
}


@dataclass(frozen=True)
class ApiRequest:
    """One create request, as received (whatever the answer)."""

    resource: str  # "Messages" or "Calls"
    params: dict[str, list[str]]
    status: int  # the status answered (or that would have been, for a hang or drop)
    fault: str | None = None  # "500", "429", "hang", "drop", or None
    peer: str = ""  # the client's host:port: one per TCP connection


@dataclass(frozen=True)
class SentMessage:
    """A message the stand-in accepted (Twilio would send it)."""

    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    fault: str | None = None  # "hang" or "drop": accepted, but the answer came late or never


@dataclass(frozen=True)
class PlacedCall:
    """A call the stand-in accepted."""

    sid: str
    to: str
    from_: str
    twiml: str
    status_callback: str | None
    status_callback_events: tuple[str, ...]
    fault: str | None = None

    def gather_action(self) -> tuple[str, str]:
        """The `<Gather>`'s action URL and method, from the call's TwiML."""
        gather = ET.fromstring(self.twiml).find(".//Gather")
        if gather is None or not gather.get("action"):
            raise ValueError(f"call {self.sid} has no <Gather action=…> in its TwiML")
        return gather.get("action", ""), gather.get("method", "POST").upper()


@dataclass(frozen=True)
class PostedCallback:
    """A signed request the stand-in made to the service, and how it was answered."""

    url: str
    params: dict[str, str]
    signature: str
    status: int | None  # None when the service could not be reached
    text: str = ""


@dataclass
class CallbackOutcome:
    """How accepted messages and calls end, and whether and when their callbacks are posted."""

    sms: str = "delivered"  # a key of SMS_STATUSES
    call: str = "completed"  # a key of CALL_STATUSES
    delay: float = 0.02  # seconds before each callback
    enabled: bool = True

    def __setattr__(self, name: str, value: object) -> None:
        choices = {"sms": SMS_STATUSES, "call": CALL_STATUSES}.get(name)
        if choices is not None and value not in choices:
            raise ValueError(f"callback_outcome.{name} must be one of {sorted(choices)}")
        super().__setattr__(name, value)


@dataclass(frozen=True)
class _Fault:
    kind: str  # "status", "hang" or "drop"
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0


class TwilioStandIn:
    """Twilio's REST API for one account, on 127.0.0.1 and an ephemeral port."""

    def __init__(
        self, account_sid: str = "AC" + "a1" * 16, auth_token: str = "standin-auth-token"
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.validator = RequestValidator(auth_token)
        self.callback_outcome = CallbackOutcome()
        self.refused_numbers: dict[str, tuple[int, str]] = dict(REFUSED_NUMBERS)
        self._lock = threading.Lock()
        self._faults: deque[_Fault] = deque()
        self._requests: list[ApiRequest] = []
        self._messages: list[SentMessage] = []
        self._calls: list[PlacedCall] = []
        self._callbacks: list[PostedCallback] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> TwilioStandIn:
        """Serve in a background thread; returns once the port is listening."""
        if self._thread is not None:
            raise RuntimeError("the Twilio stand-in is already running")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="twilio-standin", daemon=True)
        self._thread.start()
        try:
            self._submit(self._open).result(timeout=10)
        except BaseException:
            self._end_thread()
            raise
        return self

    def stop(self) -> None:
        """Stop serving: cancel pending callbacks, end hangs, close everything."""
        if self._thread is None or self._loop is None:
            return
        try:
            self._submit(self._close).result(timeout=10)
        finally:
            self._end_thread()

    def _end_thread(self) -> None:
        assert self._thread is not None and self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = self._loop = None

    def __enter__(self) -> TwilioStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> TwilioStandIn:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    @property
    def base_url(self) -> str:
        """The `api_base_url` to give the Twilio client."""
        return f"http://127.0.0.1:{self._port}"

    # --- what happened ------------------------------------------------------------------------

    @property
    def requests(self) -> list[ApiRequest]:
        """Every create request received, faulted or refused ones included."""
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[SentMessage]:
        """Messages accepted, oldest first."""
        with self._lock:
            return list(self._messages)

    @property
    def calls(self) -> list[PlacedCall]:
        """Calls accepted, oldest first."""
        with self._lock:
            return list(self._calls)

    @property
    def callbacks(self) -> list[PostedCallback]:
        """Status callbacks, inbound SMS and key presses posted, in order."""
        with self._lock:
            return list(self._callbacks)

    @property
    def connections(self) -> int:
        """How many TCP connections the create requests came on."""
        return len({request.peer for request in self.requests})

    def messages_to(self, number: str) -> list[SentMessage]:
        """Messages accepted for one recipient."""
        return [message for message in self.messages if message.to == number]

    def calls_to(self, number: str) -> list[PlacedCall]:
        """Calls accepted for one recipient."""
        return [call for call in self.calls if call.to == number]

    # --- faults -------------------------------------------------------------------------------

    def fail_next(
        self, status: int = 500, count: int = 1, retry_after: float | None = None
    ) -> None:
        """The next `count` requests answer `status` with a Twilio error (and Retry-After)."""
        self._add_faults(_Fault("status", status=status, retry_after=retry_after), count)

    def hang_next(self, seconds: float, count: int = 1) -> None:
        """The next `count` requests are accepted but answered only after `seconds`."""
        self._add_faults(_Fault("hang", seconds=seconds), count)

    def drop_next(self, count: int = 1) -> None:
        """The next `count` requests are accepted, then the connection closes unanswered."""
        self._add_faults(_Fault("drop"), count)

    def _add_faults(self, fault: _Fault, count: int) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    # --- requests to the service --------------------------------------------------------------

    def send_inbound_sms(
        self, url: str, from_: str, body: str, to: str | None = None
    ) -> PostedCallback:
        """Post an inbound SMS to `url` as Twilio does; `to` defaults to the last sender used."""
        return self._blocking(lambda: self.send_inbound_sms_async(url, from_, body, to))

    async def send_inbound_sms_async(
        self, url: str, from_: str, body: str, to: str | None = None
    ) -> PostedCallback:
        """`send_inbound_sms`, awaitable from any event loop."""
        sent = self.messages
        params = {
            "MessageSid": _sid("SM"),
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to or (sent[-1].from_ if sent else "+15005550006"),
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": API_VERSION,
        }
        params["SmsSid"] = params["SmsMessageSid"] = params["MessageSid"]
        return await self._in_loop(lambda: self._post_signed(url, params))

    def press_key(self, call: PlacedCall | str, digits: str = "1") -> PostedCallback:
        """Post `Digits` to the Gather action of `call` (or of the call with that SID)."""
        return self._blocking(lambda: self.press_key_async(call, digits))

    async def press_key_async(self, call: PlacedCall | str, digits: str = "1") -> PostedCallback:
        """`press_key`, awaitable from any event loop."""
        placed = self._find_call(call)
        action, method = placed.gather_action()
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": placed.sid,
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
            "From": placed.from_,
            "To": placed.to,
            "Digits": digits,
            "FinishedOnKey": "",
            "msg": "Gather End",
        }
        return await self._in_loop(lambda: self._post_signed(action, params, method=method))

    def wait_for_callbacks(self, timeout: float = 5.0) -> None:
        """Block until every scheduled status callback has been posted (TimeoutError if not)."""
        self._blocking(lambda: self.wait_for_callbacks_async(timeout))

    async def wait_for_callbacks_async(self, timeout: float = 5.0) -> None:
        """`wait_for_callbacks`, awaitable from any event loop."""
        await self._in_loop(lambda: self._drain(timeout))

    def _find_call(self, call: PlacedCall | str) -> PlacedCall:
        if isinstance(call, PlacedCall):
            return call
        for placed in self.calls:
            if placed.sid == call:
                return placed
        raise KeyError(f"no call {call}")

    # --- the server (everything below runs in the stand-in's loop) ----------------------------

    def _serve(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    async def _open(self) -> None:
        self._stopping = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application()
        app.router.add_post(
            "/2010-04-01/Accounts/{account}/{resource:Messages|Calls}.json", self._create
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def _close(self) -> None:
        self._stopping.set()
        for task in self._pending:
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self._runner.cleanup()
        await self._session.close()

    async def _create(self, request: web.Request) -> web.StreamResponse:
        resource = request.match_info["resource"]
        form = await request.post()
        params = {key: [str(v) for v in form.getall(key)] for key in form}
        fault = self._take_fault()
        answer = self._refusal(request, resource, params, fault)
        if answer is None:
            answer = self._accept(resource, params, fault)
        with self._lock:
            self._requests.append(
                ApiRequest(resource, params, answer.status, _fault_name(fault), _peer(request))
            )
        if fault is not None and fault.kind == "hang" and answer.status == 201:
            await _wait(self._stopping, fault.seconds)
        if fault is not None and fault.kind == "drop" and request.transport is not None:
            request.transport.close()  # aiohttp writes nothing to a closed transport
        return answer

    def _refusal(
        self,
        request: web.Request,
        resource: str,
        params: dict[str, list[str]],
        fault: _Fault | None,
    ) -> web.Response | None:
        if fault is not None and fault.kind == "status":
            headers = (
                {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            )
            return _error(
                fault.status, 20000 + fault.status, _REASONS.get(fault.status, "Error"), headers
            )
        if (
            _credentials(request.headers.get("Authorization", ""))
            != (self.account_sid, self.auth_token)
            or request.match_info["account"] != self.account_sid
        ):
            return _error(401, 20003, "Authenticate")
        return _invalid(resource, {k: v[0] for k, v in params.items()}, self.refused_numbers)

    def _accept(
        self, resource: str, params: dict[str, list[str]], fault: _Fault | None
    ) -> web.Response:
        one = {key: values[0] for key, values in params.items()}
        callback, name = one.get("StatusCallback"), _fault_name(fault)
        sent: SentMessage | PlacedCall
        if resource == "Messages":
            sent = SentMessage(_sid("SM"), one["To"], one["From"], one["Body"], callback, name)
            with self._lock:
                self._messages.append(sent)
        else:
            events = tuple(params.get("StatusCallbackEvent", ["completed"]))
            sent = PlacedCall(
                _sid("CA"), one["To"], one["From"], one["Twiml"], callback, events, name
            )
            with self._lock:
                self._calls.append(sent)
        if callback and self.callback_outcome.enabled:
            self._track(self._post_statuses(sent, callback))
        return web.json_response(self._resource_json(resource, sent), status=201)

    def _resource_json(self, resource: str, sent: SentMessage | PlacedCall) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/{resource}/{sent.sid}"
        common: dict[str, Any] = {
            "sid": sent.sid, "account_sid": self.account_sid, "to": sent.to, "from": sent.from_,
            "status": "queued", "date_created": now, "date_updated": now, "price": None,
            "api_version": API_VERSION, "direction": "outbound-api", "price_unit": "USD",
            "uri": f"{uri}.json",
        }  # fmt: skip
        if isinstance(sent, SentMessage):
            return common | {
                "body": sent.body, "num_segments": "1", "num_media": "0", "date_sent": None,
                "error_code": None, "error_message": None, "messaging_service_sid": None,
                "subresource_uris": {"media": f"{uri}/Media.json"},
            }  # fmt: skip
        return common | {
            "to_formatted": sent.to, "from_formatted": sent.from_, "parent_call_sid": None,
            "start_time": None, "end_time": None, "duration": None, "answered_by": None,
            "caller_name": None, "forwarded_from": None, "group_sid": None, "trunk_sid": None,
            "phone_number_sid": _sid("PN"), "queue_time": "0", "annotation": None,
            "subresource_uris": {"recordings": f"{uri}/Recordings.json"},
        }  # fmt: skip

    async def _post_statuses(self, sent: SentMessage | PlacedCall, url: str) -> None:
        outcome = self.callback_outcome
        base = {
            "AccountSid": self.account_sid,
            "From": sent.from_,
            "To": sent.to,
            "ApiVersion": API_VERSION,
        }
        if isinstance(sent, SentMessage):
            for status in SMS_STATUSES[outcome.sms]:
                await asyncio.sleep(outcome.delay)
                params = base | {
                    "MessageSid": sent.sid,
                    "SmsSid": sent.sid,
                    "MessageStatus": status,
                    "SmsStatus": status,
                }
                await self._post_signed(url, params | _error_code(status))
            return
        for number, status in enumerate(CALL_STATUSES[outcome.call]):
            if CALL_EVENTS.get(status, "completed") not in sent.status_callback_events:
                continue
            await asyncio.sleep(outcome.delay)
            params = base | {
                "CallSid": sent.sid, "CallStatus": status, "Direction": "outbound-api",
                "CallbackSource": "call-progress-events", "SequenceNumber": str(number),
                "Timestamp": format_datetime(datetime.now(UTC)),
            }  # fmt: skip
            if status == "completed":
                params |= {"CallDuration": "7", "Duration": "1"}
            await self._post_signed(url, params | _error_code(status))

    async def _post_signed(
        self, url: str, params: dict[str, str], method: str = "POST"
    ) -> PostedCallback:
        if method == "GET":
            url, params = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}", {}
        signature = self.validator.compute_signature(url, params)
        headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
        try:
            async with self._session.request(
                method, url, data=params or None, headers=headers
            ) as reply:
                posted = PostedCallback(url, params, signature, reply.status, await reply.text())
        except (aiohttp.ClientError, TimeoutError) as exc:
            posted = PostedCallback(url, params, signature, None, f"{type(exc).__name__}: {exc}")
        with self._lock:
            self._callbacks.append(posted)
        return posted

    def _track(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _drain(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self._pending:
                await asyncio.gather(*self._pending, return_exceptions=True)

    # --- crossing between threads ---------------------------------------------------------------

    def _submit(self, make: Callable[[], Awaitable[T]]) -> Future[T]:
        if self._loop is None:
            raise RuntimeError("the Twilio stand-in is not running: call start()")

        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    async def _in_loop(self, make: Callable[[], Awaitable[T]]) -> T:
        return await asyncio.wrap_future(self._submit(make))

    def _blocking(self, make: Callable[[], Awaitable[T]]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._submit(make).result(timeout=30)
        raise RuntimeError("inside an event loop: await the _async variant instead")


@dataclass(frozen=True)
class ReceivedRequest:
    """One request a `WebhookReceiver` got."""

    url: str
    params: dict[str, str]
    signature: str


class WebhookReceiver:
    """A tiny server in the current event loop that stands in for the service's Twilio hooks:
    it records every request and answers `reply` (TwiML by default)."""

    def __init__(self, reply: str = "<Response/>", content_type: str = "text/xml") -> None:
        self.reply, self.content_type = reply, content_type
        self.received: list[ReceivedRequest] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._record)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 2.0) -> list[ReceivedRequest]:
        """Wait until `count` requests have arrived; returns them all."""
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                await asyncio.sleep(0.005)
        return list(self.received)

    async def _record(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {key: str(value) for key, value in form.items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        self.received.append(ReceivedRequest(str(request.url), params, signature))
        return web.Response(text=self.reply, content_type=self.content_type)


_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _invalid(
    resource: str, one: Mapping[str, str], refused: Mapping[str, tuple[int, str]]
) -> web.Response | None:
    """Twilio's 400 for a missing or invalid parameter, or None if the request is fine."""
    if not one.get("To"):
        return _error(400, 21604, "A 'To' phone number is required.")
    if not one.get("From"):
        return _error(400, 21603, "A 'From' phone number is required.")
    if resource == "Messages" and not one.get("Body"):
        return _error(400, 21602, "Message body is required.")
    if resource == "Calls" and not one.get("Twiml"):
        return _error(400, 21205, "Twiml is required (this stand-in does not fetch a Url).")
    if not E164.match(one["To"]):
        return _error(400, 21211, f"The 'To' number {one['To']} is not a valid phone number.")
    if not E164.match(one["From"]):
        return _error(400, 21212, f"The 'From' number {one['From']} is not a valid phone number.")
    if one["To"] in refused:
        return _error(400, *refused[one["To"]])
    return None


def _error(
    status: int, code: int, message: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status, headers=headers)


def _credentials(header: str) -> tuple[str, str] | None:
    """(login, password) from an HTTP Basic `Authorization` header, or None."""
    scheme, _, encoded = header.partition(" ")
    try:
        login, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
    return (login, password) if scheme.lower() == "basic" and colon else None


def _error_code(status: str) -> dict[str, str]:
    return {"ErrorCode": ERROR_CODES[status]} if status in ERROR_CODES else {}


def _fault_name(fault: _Fault | None) -> str | None:
    if fault is None:
        return None
    return str(fault.status) if fault.kind == "status" else fault.kind


def _peer(request: web.Request) -> str:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return "{}:{}".format(*peer[:2]) if peer else ""


def _sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `event` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
