"""The Now board says which provider the circuit breaker is skipping, and until when: a short
line such as 阿里云短信暂停使用至 HH:MM（连续失败）; nothing while every provider is in use."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from notifiers.aliyun_common import AliyunSettings
from notifiers.aliyun_sms import AliyunSmsNotifier
from notifiers.base import DeliveryState, Message
from notifiers.failover import Breaker, FailoverNotifier
from notifiers.templated import Template
from tests.builders import at, county, dry_notifiers
from tests.dashboard.accounts import add_user, sign_in
from tests.notifiers.aliyun_standin import AliyunStandIn


def test_the_now_board_names_a_paused_provider_and_until_when(database_url: str) -> None:
    with AliyunStandIn(sms_templates={"SMS_1": ["code", "time"]}) as aliyun:
        sms = AliyunSmsNotifier(
            AliyunSettings(
                access_key_id=aliyun.access_key_id,
                access_key_secret=aliyun.access_key_secret,
                endpoint=aliyun.endpoint,
                protocol="http",
                templates={"overdue": Template("SMS_1", ("code", "time"))},
                sign_name="急报",
            )
        )
        channel = FailoverNotifier("sms", [("aliyun", sms)], Breaker(2, timedelta(minutes=10)))
        notifiers = dry_notifiers() | {"sms": channel}
        c = county(database_url, start=at(9, 10), notifiers=notifiers)
        add_user(database_url, "duty", "duty_room", "county", at(0))
        sign_in(c.client, "duty")
        message = Message(
            1, "sms", "+8613800138000", "", "", data={"template": {"kind": "overdue"}}
        )

        assert "暂停使用" not in c.client.get("/now/rows").text
        aliyun.down = True
        results = [asyncio.run(channel.send(message)) for _ in range(2)]
        assert [r.state for r in results] == [DeliveryState.FAILED_TEMP] * 2
        until = datetime.now(UTC) + timedelta(minutes=10)

        page = c.client.get("/now/rows").text
        shown = until.astimezone(ZoneInfo("Asia/Shanghai"))
        expected = {
            f"阿里云短信暂停使用至 {t:%H:%M}（连续失败）"
            for t in (shown, shown - timedelta(minutes=1))
        }
        assert any(line in page for line in expected), page[:2000]
