"""Local stand-ins for the group robots of WeCom, DingTalk and Feishu: each speaks its provider's
documented webhook protocol, checks the signature as the provider does, and keeps its rate.

- WeCom `POST /cgi-bin/webhook/send?key=KEY`: a wrong key is errcode 93000; the body must be
  `msgtype` text (content, mentioned_mobile_list) or markdown; more than 20 in a minute is
  errcode 45009.
- DingTalk `POST /robot/send?access_token=T&timestamp=MS&sign=S`: with a secret, a sign that is
  not the base64 HMAC-SHA256 of `timestamp\\nsecret`, or a timestamp more than an hour away, is
  errcode 310000; more than 20 in a minute is 130101 (send too fast).
- Feishu `POST /open-apis/bot/v2/hook/TOKEN`: with a secret, `sign` must be the base64
  HMAC-SHA256 keyed with `timestamp\\nsecret` of an empty message, within an hour (else code
  19021); more than 100 in a minute or 5 in a second is code 11232.

The server runs aiohttp.web in a thread with its own loop (as tests/notifiers/twilio_standin.py),
so sync tests, async tests and a service in another thread can all use it. `rate_clock` is the
clock the rate is kept by (tests that fast-forward a FrozenClock pass it), `sign_clock` the one
a signature's age is checked against (real time, as the provider's)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
SIGN_WINDOW = 3600.0  # seconds a signature's timestamp may be off, for DingTalk and Feishu
LIMITS = {"wecom": ((60, 20),), "dingtalk": ((60, 20),), "feishu": ((60, 100), (1, 5))}


@dataclass(frozen=True)
class Posted:
    """One message a robot accepted."""

    kind: str
    body: dict[str, Any]
    at: float  # by the rate clock

    @property
    def text(self) -> str:
        """The words shown in the group."""
        if self.kind == "dingtalk":
            part = self.body.get("markdown") or self.body.get("text") or {}
            return str(part.get("text") or part.get("content") or "")
        if self.kind == "wecom":
            return str(self.body.get("text", self.body.get("markdown", {})).get("content", ""))
        return str(self.body.get("content", {}).get("text", ""))

    @property
    def mentioned(self) -> list[str]:
        """The mobiles the provider pings."""
        if self.kind == "dingtalk":
            return list(self.body.get("at", {}).get("atMobiles", []))
        if self.kind == "wecom":
            return list(self.body.get("text", {}).get("mentioned_mobile_list", []))
        return []


@dataclass
class RobotStandIn:
    """The three providers' robot webhooks on 127.0.0.1 and an ephemeral port."""

    secret: str = "SEC-standin-签名密钥"
    wecom_key: str = "wecom-key-0001"
    dingtalk_token: str = "ding-token-0001"
    feishu_token: str = "feishu-hook-0001"
    rate_clock: Callable[[], float] = time.time
    sign_clock: Callable[[], float] = time.time
    posted: list[Posted] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (kind, code) answered

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> RobotStandIn:
        """Serve in a background thread; returns once the port is listening."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="robot-standin", daemon=True)
        self._thread.start()
        self._submit(self._open).result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._thread is None or self._loop is None:
            return
        self._submit(self._close).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = self._loop = None

    def __enter__(self) -> RobotStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> RobotStandIn:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def url(self, kind: str) -> str:
        """The webhook address the provider's app would show for a robot of `kind`."""
        base = f"http://127.0.0.1:{self._port}"
        if kind == "wecom":
            return f"{base}/cgi-bin/webhook/send?key={self.wecom_key}"
        if kind == "dingtalk":
            return f"{base}/robot/send?access_token={self.dingtalk_token}"
        return f"{base}/open-apis/bot/v2/hook/{self.feishu_token}"

    def posted_by(self, kind: str) -> list[Posted]:
        """What robots of `kind` accepted, in order."""
        with self._lock:
            return [p for p in self.posted if p.kind == kind]

    # --- the server ---------------------------------------------------------------------------

    def _serve(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def _submit(self, make: Callable[[], Coroutine[Any, Any, T]]) -> Future[T]:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(make(), self._loop)

    async def _open(self) -> None:
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self._wecom)
        app.router.add_post("/robot/send", self._dingtalk)
        app.router.add_post("/open-apis/bot/v2/hook/{token}", self._feishu)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def _close(self) -> None:
        await self._runner.cleanup()

    async def _wecom(self, request: web.Request) -> web.Response:
        if request.query.get("key") != self.wecom_key:
            return self._answer("wecom", 93000, "invalid webhook url")
        body = await request.json()
        if body.get("msgtype") not in ("text", "markdown") or not body.get(body["msgtype"], {}).get(
            "content"
        ):
            return self._answer("wecom", 40008, "invalid message type")
        return self._accept("wecom", body, 45009, "api freq out of limit")

    async def _dingtalk(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self.dingtalk_token:
            return self._answer("dingtalk", 300001, "token is not exist")
        stamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
        if not self._dingtalk_signed(stamp, sign):
            return self._answer("dingtalk", 310000, "sign not match")
        body = await request.json()
        if body.get("msgtype") not in ("text", "markdown"):
            return self._answer("dingtalk", 40035, "缺少参数 msgtype")
        return self._accept("dingtalk", body, 130101, "send too fast, exceed 20 times per minute")

    def _dingtalk_signed(self, stamp: str, sign: str) -> bool:
        if not stamp.isdigit() or abs(self.sign_clock() * 1000 - int(stamp)) > SIGN_WINDOW * 1000:
            return False
        digest = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256)
        # aiohttp has already URL-decoded the query: compare the base64 itself
        return hmac.compare_digest(base64.b64encode(digest.digest()).decode(), sign)

    async def _feishu(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.feishu_token:
            return self._answer(
                "feishu", 19001, "param invalid: incoming webhook access token invalid"
            )
        body = await request.json()
        stamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
        if not self._feishu_signed(stamp, sign):
            return self._answer(
                "feishu",
                19021,
                "sign match fail or timestamp is not within one hour from current time",
            )
        if body.get("msg_type") != "text" or not body.get("content", {}).get("text"):
            return self._answer("feishu", 9499, "Bad Request")
        return self._accept("feishu", body, 11232, "frequency limited")

    def _feishu_signed(self, stamp: str, sign: str) -> bool:
        if not stamp.isdigit() or abs(self.sign_clock() - int(stamp)) > SIGN_WINDOW:
            return False
        key = f"{stamp}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, sign)

    def _accept(self, kind: str, body: dict[str, Any], limited: int, said: str) -> web.Response:
        now = self.rate_clock()
        with self._lock:
            mine = [p.at for p in self.posted if p.kind == kind]
            for window, count in LIMITS[kind]:
                if sum(1 for at in mine if at > now - window) >= count:
                    self.refused.append((kind, limited))
                    return self._code(kind, limited, said)
            self.posted.append(Posted(kind, body, now))
        return self._code(kind, 0, "ok" if kind != "feishu" else "success")

    def _answer(self, kind: str, code: int, said: str) -> web.Response:
        with self._lock:
            self.refused.append((kind, code))
        return self._code(kind, code, said)

    @staticmethod
    def _code(kind: str, code: int, said: str) -> web.Response:
        if kind == "feishu":
            return web.json_response({"code": code, "msg": said, "data": {}})
        return web.json_response({"errcode": code, "errmsg": said})
