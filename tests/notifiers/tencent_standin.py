"""A local stand-in for Tencent Cloud SMS (API 2021-01-11) as the official SDK calls it: a JSON
POST to `/` naming the action in X-TC-Action, signed with TC3-HMAC-SHA256 by the SecretKey. A
request whose signature does not verify is refused as Tencent does (AuthFailure.SignatureFailure
in the Response's Error), one signed over five minutes ago as AuthFailure.SignatureExpire, an
unknown SecretId as AuthFailure.SecretIdNotFound; a template it does not know, or a variable
longer than `max_variable`, in the message's SendStatus.

It records what it accepted and posts Tencent's callbacks to the service: the SMS status report
(a JSON array) and a reply (上行短信, one JSON object)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.notifiers.standin_base import Pushed, ThreadedStandIn

ALGORITHM = "TC3-HMAC-SHA256"
_AUTH = re.compile(
    rf"^{ALGORITHM} Credential=(?P<id>[^/]+)/(?P<date>\d{{4}}-\d{{2}}-\d{{2}})/(?P<service>[a-z]+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[a-z;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class TencentSms:
    """An accepted SendSms for one number."""

    serial_no: str
    phone: str
    sdk_app_id: str
    sign_name: str
    template_id: str
    params: list[str]
    session_context: str


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class TencentStandIn(ThreadedStandIn):
    """Tencent Cloud SMS for one SecretId and one SMS application."""

    name = "tencent-standin"

    def __init__(
        self,
        secret_id: str = "AKID-standin",
        secret_key: str = "standin-secret-key",
        sdk_app_id: str = "1400000001",
        templates: dict[str, int] | None = None,  # template id -> how many variables
        max_variable: int = 12,
    ) -> None:
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.templates = templates or {}
        self.max_variable = max_variable
        self.sms: list[TencentSms] = []
        self.refused: list[str] = []
        self._serials = itertools.count(1045710669157053657849499619)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/", self._api)

    async def _api(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.down:
            return web.Response(status=503, text="Service Unavailable")
        problem = self._verify(request, body)
        if problem is not None:
            return self._error(*problem)
        if request.headers.get("X-TC-Action") != "SendSms":
            return self._error("InvalidAction", "no such action")
        if request.headers.get("X-TC-Version") != "2021-01-11":
            return self._error("InvalidParameterValue", "bad version")
        try:
            params = json.loads(body)
        except ValueError:
            return self._error("InvalidParameter", "the body is not JSON")
        return self._send(params)

    def _verify(self, request: web.Request, body: bytes) -> tuple[str, str] | None:
        match = _AUTH.match(request.headers.get("Authorization", ""))
        if match is None:
            return "AuthFailure.InvalidAuthorization", "bad Authorization"
        if match["id"] != self.secret_id:
            return "AuthFailure.SecretIdNotFound", "unknown SecretId"
        stamp = request.headers.get("X-TC-Timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return "AuthFailure.SignatureExpire", "signed too long ago"
        date = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        if match["date"] != date or match["service"] != "sms":
            return "AuthFailure.SignatureFailure", "bad credential scope"
        signed = match["signed"].split(";")
        if "host" not in signed or "content-type" not in signed:
            return "AuthFailure.SignatureFailure", "host and content-type must be signed"
        headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [
                request.method,
                request.path,
                request.query_string,
                headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{date}/sms/tc3_request"
        to_sign = f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = _hmac(_hmac(_hmac(f"TC3{self.secret_key}".encode(), date), "sms"), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["sig"]):
            return "AuthFailure.SignatureFailure", "the signature does not match"
        return None

    def _send(self, params: dict[str, Any]) -> web.Response:
        if params.get("SmsSdkAppId") != self.sdk_app_id:
            return self._error("FailedOperation.SdkAppIdNotFound", "unknown SmsSdkAppId")
        numbers = params.get("PhoneNumberSet") or []
        template = str(params.get("TemplateId", ""))
        values = params.get("TemplateParamSet") or []
        statuses = []
        for number in numbers:
            code, message = "Ok", "send success"
            if not re.fullmatch(r"\+[1-9]\d{6,14}", str(number)):
                code, message = "InvalidParameterValue.IncorrectPhoneNumber", "bad number"
            elif template not in self.templates:
                code, message = "FailedOperation.TemplateIdNotExist", "no such template"
            elif len(values) != self.templates[template]:
                code, message = "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "count"
            elif any(len(str(v)) > self.max_variable for v in values):
                code, message = "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "long"
            serial = f"5000:{next(self._serials)}" if code == "Ok" else ""
            if code == "Ok":
                with self._lock:
                    self.sms.append(
                        TencentSms(
                            serial,
                            str(number),
                            self.sdk_app_id,
                            str(params.get("SignName", "")),
                            template,
                            [str(v) for v in values],
                            str(params.get("SessionContext", "")),
                        )
                    )
            else:
                with self._lock:
                    self.refused.append(code)
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": number,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": params.get("SessionContext", ""),
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            )
        return _json({"Response": {"SendStatusSet": statuses, "RequestId": "a0aabda6-cf91"}})

    def _error(self, code: str, message: str) -> web.Response:
        with self._lock:
            self.refused.append(code)
        error = {"Error": {"Code": code, "Message": message}, "RequestId": "b1bbcbe7"}
        return _json({"Response": error})

    # --- callbacks to the service ---------------------------------------------------------------

    def report(self, url: str, sms: TencentSms, *, success: bool = True) -> Pushed:
        """The status report of one accepted SMS."""
        return self.push(
            url,
            [
                {
                    "user_receive_time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    "nationcode": "86",
                    "mobile": sms.phone.removeprefix("+86"),
                    "report_status": "SUCCESS" if success else "FAIL",
                    "errmsg": "DELIVRD" if success else "MK:0005",
                    "description": "用户短信送达成功" if success else "用户短信送达失败",
                    "sid": sms.serial_no,
                }
            ],
        )

    def reply(self, url: str, mobile: str, text: str) -> Pushed:
        """A reply from `mobile` (a mainland number, no +86)."""
        return self.push(
            url,
            {
                "extend": "",
                "mobile": mobile,
                "nationcode": "86",
                "sign": "急报",
                "text": text,
                "time": int(time.time()),
            },
        )


def _json(body: Any) -> web.Response:
    """JSON as Tencent answers it: Content-Type exactly application/json (the SDK reads errors
    only from that)."""
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
    )
