"""A local stand-in for Aliyun's SMS (dysmsapi 2017-05-25) and voice notification (dyvmsapi
2017-05-25) OpenAPI, as the official SDKs call them: RPC-style POSTs to `/` naming the action in
`x-acs-action`, parameters in the query, signed with signature V3 (ACS3-HMAC-SHA256) by the
AccessKey secret. A request whose signature does not verify is refused as Aliyun does
(HTTP 400 SignatureDoesNotMatch); one with an unknown AccessKey id, 404
InvalidAccessKeyId.NotFound; a template it does not know, isv.SMS_TEMPLATE_ILLEGAL; a variable
over 35 characters, isv.TEMPLATE_PARAMS_ILLEGAL.

It records what it accepted and pushes Aliyun's HTTP-batch callbacks to the service: SmsReport
(delivery), SmsUp (a reply) and VoiceReport (a call's outcome, with the keys pressed)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tests.notifiers.standin_base import Pushed, ThreadedStandIn

ALGORITHM = "ACS3-HMAC-SHA256"
MAX_VARIABLE = 35
_AUTH = re.compile(
    rf"^{ALGORITHM} Credential=(?P<ak>[^,]+),"
    r"SignedHeaders=(?P<signed>[^,]+),Signature=(?P<sig>[0-9a-f]+)$"
)


@dataclass(frozen=True)
class AliyunSms:
    """An accepted SendSms."""

    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str


@dataclass(frozen=True)
class AliyunCall:
    """An accepted SingleCallByTts."""

    call_id: str
    phone: str
    tts_code: str
    params: dict[str, str]
    out_id: str


def _encode(value: str) -> str:
    return quote(value, safe="~", encoding="utf-8")


def canonical_request(request: web.Request, body: bytes, signed: list[str]) -> str:
    """Signature V3's canonical request, from what arrived."""
    query = "&".join(
        f"{_encode(key)}={_encode(value)}" for key, value in sorted(request.query.items())
    )
    headers = "".join(
        f"{name}:{','.join(sorted(v.strip() for v in request.headers.getall(name, [])))}\n"
        for name in signed
    )
    payload = hashlib.sha256(body).hexdigest()
    return f"{request.method}\n{request.path}\n{query}\n{headers}\n{';'.join(signed)}\n{payload}"


class AliyunStandIn(ThreadedStandIn):
    """Aliyun's SMS and voice APIs for one AccessKey, on one port (both endpoints aim here)."""

    name = "aliyun-standin"

    def __init__(
        self,
        access_key_id: str = "LTAI-standin",
        access_key_secret: str = "standin-access-key-secret",
        sms_templates: dict[str, list[str]] | None = None,
        tts_templates: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__()
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sms_templates = sms_templates or {}
        self.tts_templates = tts_templates or {}
        self.sms: list[AliyunSms] = []
        self.calls: list[AliyunCall] = []
        self.refused: list[tuple[str, str]] = []  # (action, code)
        self._ids = itertools.count(900_619_746)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/", self._api)

    # --- the API ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        body = await request.read()
        action = request.headers.get("x-acs-action", "")
        if self.hang:
            await asyncio.sleep(self.hang)
        if self.down:
            return self._error(action, 503, "ServiceUnavailable", "The service is unavailable.")
        problem = self._verify(request, body)
        if problem is not None:
            status, code = problem
            return self._error(action, status, code, "signature check failed")
        query = dict(request.query)
        if action == "SendSms" and request.headers.get("x-acs-version") == "2017-05-25":
            return self._send_sms(query)
        if action == "SingleCallByTts" and request.headers.get("x-acs-version") == "2017-05-25":
            return self._call(query)
        return self._error(action, 404, "InvalidAction.NotFound", f"no action {action}")

    def _verify(self, request: web.Request, body: bytes) -> tuple[int, str] | None:
        match = _AUTH.match(request.headers.get("Authorization", ""))
        if match is None:
            return 400, "MissingAuthorization"
        if match["ak"] != self.access_key_id:
            return 404, "InvalidAccessKeyId.NotFound"
        signed = match["signed"].split(";")
        must = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"}
        must.add("x-acs-content-sha256")
        if not must <= set(signed) or signed != sorted(signed):
            return 400, "IncompleteSignature"
        if request.headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
            return 400, "ContentSHA256NotMatched"
        canonical = canonical_request(request, body, signed)
        to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), match["sig"]):
            return 400, "SignatureDoesNotMatch"
        return None

    def _params(self, raw: str | None, names: list[str]) -> dict[str, str] | str:
        try:
            params = json.loads(raw or "{}")
        except ValueError:
            return "isv.INVALID_JSON_PARAM"
        if not isinstance(params, dict) or set(params) != set(names):
            return "isv.TEMPLATE_MISSING_PARAMETERS"
        if any(not isinstance(v, str) or len(v) > MAX_VARIABLE for v in params.values()):
            return "isv.TEMPLATE_PARAMS_ILLEGAL"
        return params

    def _send_sms(self, query: dict[str, str]) -> web.Response:
        phone, code = query.get("PhoneNumbers", ""), query.get("TemplateCode", "")
        if not re.fullmatch(r"1\d{10}|\d{8,15}", phone):
            return self._ok_code("SendSms", "isv.MOBILE_NUMBER_ILLEGAL")
        if not query.get("SignName"):
            return self._ok_code("SendSms", "isv.SMS_SIGNATURE_ILLEGAL")
        if code not in self.sms_templates:
            return self._ok_code("SendSms", "isv.SMS_TEMPLATE_ILLEGAL")
        params = self._params(query.get("TemplateParam"), self.sms_templates[code])
        if isinstance(params, str):
            return self._ok_code("SendSms", params)
        biz_id = f"{next(self._ids)}^0"
        with self._lock:
            self.sms.append(
                AliyunSms(biz_id, phone, query["SignName"], code, params, query.get("OutId", ""))
            )
        return web.json_response(
            {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": _request_id()}
        )

    def _call(self, query: dict[str, str]) -> web.Response:
        phone, code = query.get("CalledNumber", ""), query.get("TtsCode", "")
        if not re.fullmatch(r"1\d{10}|0\d{9,11}", phone):
            return self._ok_code("SingleCallByTts", "isv.MOBILE_NUMBER_ILLEGAL")
        if code not in self.tts_templates:
            return self._ok_code("SingleCallByTts", "isv.TTS_TEMPLATE_ILLEGAL")
        params = self._params(query.get("TtsParam"), self.tts_templates[code])
        if isinstance(params, str):
            return self._ok_code("SingleCallByTts", params)
        call_id = f"{next(self._ids)}^{next(self._ids)}"
        with self._lock:
            self.calls.append(AliyunCall(call_id, phone, code, params, query.get("OutId", "")))
        return web.json_response(
            {"Code": "OK", "Message": "OK", "CallId": call_id, "RequestId": _request_id()}
        )

    def _ok_code(self, action: str, code: str) -> web.Response:
        with self._lock:
            self.refused.append((action, code))
        return web.json_response({"Code": code, "Message": code, "RequestId": _request_id()})

    def _error(self, action: str, status: int, code: str, message: str) -> web.Response:
        with self._lock:
            self.refused.append((action, code))
        body = {"Code": code, "Message": message, "RequestId": _request_id(), "HostId": "x"}
        return web.json_response(body, status=status)

    # --- callbacks to the service ---------------------------------------------------------------

    def report_sms(self, url: str, sms: AliyunSms, *, success: bool = True) -> Pushed:
        """SmsReport for one accepted SMS."""
        now = _now()
        return self.push(
            url,
            [
                {
                    "phone_number": sms.phone,
                    "send_time": now,
                    "report_time": now,
                    "success": success,
                    "err_code": "DELIVERED" if success else "MK:0001",
                    "err_msg": "用户接收成功" if success else "用户接收失败",
                    "sms_size": "1",
                    "biz_id": sms.biz_id,
                    "out_id": sms.out_id,
                }
            ],
        )

    def sms_up(self, url: str, phone: str, content: str) -> Pushed:
        """SmsUp: `phone` (as Aliyun writes it, no +86) replied `content`."""
        return self.push(
            url,
            [
                {
                    "phone_number": phone,
                    "send_time": _now(),
                    "content": content,
                    "sign_name": "急报",
                    "dest_code": "1234",
                    "sequence_id": next(self._ids),
                }
            ],
        )

    def voice_report(
        self, url: str, call: AliyunCall, *, status_code: str = "200000", dtmf: str | None = None
    ) -> Pushed:
        """VoiceReport for one call (200000: the callee heard it through)."""
        report: dict[str, Any] = {
            "call_id": call.call_id,
            "start_time": _now(),
            "end_time": _now(),
            "duration": "20",
            "status_code": status_code,
            "status_msg": "用户听完" if status_code == "200000" else "未接通",
            "out_id": call.out_id,
        }
        if dtmf is not None:
            report["dtmf"] = dtmf
        return self.push(url, [report])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _request_id() -> str:
    return "F655A8D5-B967-440B-8683-DAD6FF8DE990"
