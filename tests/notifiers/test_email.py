"""The email notifier against a real SMTP server (aiosmtpd) in the test process."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.email import EmailNotifier, EmailSettings, build_email, message_id
from notifiers.smtp_pool import POOL_SIZE
from tests.notifiers.smtp_server import SmtpServer, client_tls_context

T = TypeVar("T")
FROM = "急报值班室 <duty@jibao.test>"
TO = "zhang.san@county.test"
SUBJECT = "【急报】城关镇化工厂火灾：续报已逾期 15 分钟"
ACK_URL = "https://jibao.test/ack/42?sig=abc&exp=1700000000"


def a_message(**overrides: Any) -> Message:
    """An overdue-report email with text, HTML and an ack link."""
    fields: dict[str, Any] = {
        "id": 42,
        "channel": "email",
        "to": TO,
        "subject": SUBJECT,
        "text": "城关镇化工厂火灾的续报已逾期，请立即报送。",
        "html": "<html><body><p>城关镇化工厂火灾的续报已逾期，请立即报送。</p></body></html>",
        "ack_url": ACK_URL,
    }
    return Message(**(fields | overrides))


def settings_for(server: SmtpServer, **overrides: Any) -> EmailSettings:
    """Settings that reach `server`, trusting its self-signed certificate."""
    settings = EmailSettings(
        host=server.host,
        port=server.port,
        security=server.security,
        username=None,
        password=None,
        from_address=FROM,
        timeout_seconds=2.0,
        tls_context=None if server.security == "none" else client_tls_context(),
    )
    return dataclasses.replace(settings, **overrides)


def send(settings: EmailSettings, message: Message | None = None) -> SendResult:
    """Send one message with a fresh notifier, closing it afterwards."""

    async def run() -> SendResult:
        notifier = EmailNotifier(settings)
        try:
            return await notifier.send(message or a_message())
        finally:
            await notifier.close()

    return asyncio.run(run())


def test_plain_send_delivers_subject_addresses_both_parts_ack_link_and_message_id() -> None:
    with SmtpServer() as server:
        result = send(settings_for(server))
        [received] = server.received

    assert result == SendResult(DeliveryState.SENT, provider_id="<jibao-42@jibao.test>")
    assert received.mail_from == "duty@jibao.test"
    assert received.rcpt_tos == (TO,)
    mail = received.message
    assert mail["Subject"] == SUBJECT
    assert mail["From"].addresses[0].display_name == "急报值班室"
    assert mail["To"] == TO
    assert mail["Message-ID"] == "<jibao-42@jibao.test>"
    assert mail["Date"]
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    assert "续报已逾期" in text.get_content() and ACK_URL in text.get_content()
    assert "续报已逾期" in html.get_content()
    assert 'href="https://jibao.test/ack/42?sig=abc&amp;exp=1700000000"' in html.get_content()
    assert received.raw.isascii()  # 7-bit clean: survives relays without 8BITMIME


def test_text_only_message_has_no_html_part_and_keeps_an_existing_ack_link() -> None:
    text = f"请确认：{ACK_URL}"
    with SmtpServer() as server:
        result = send(settings_for(server), a_message(html=None, text=text))
        [received] = server.received

    assert result.state is DeliveryState.SENT
    assert not received.message.is_multipart()
    assert received.message.get_content().count(ACK_URL) == 1


def test_starttls_with_login() -> None:
    with SmtpServer(security="starttls", username="duty", password="口令-s3cret") as server:
        result = send(settings_for(server, username="duty", password="口令-s3cret"))
        [received] = server.received

    assert result.state is DeliveryState.SENT
    assert received.tls and received.login == "duty"


def test_implicit_tls_with_login() -> None:
    with SmtpServer(security="tls", username="duty", password="s3cret") as server:
        result = send(settings_for(server, username="duty", password="s3cret"))
        [received] = server.received

    assert result.state is DeliveryState.SENT
    assert received.tls and received.login == "duty"


def test_wrong_password_is_a_permanent_failure() -> None:
    with SmtpServer(security="starttls", username="duty", password="s3cret") as server:
        result = send(settings_for(server, username="duty", password="wrong"))
        assert server.received == []

    assert result.state is DeliveryState.FAILED_PERM
    assert result.error is not None and result.error.startswith("535")


def test_unknown_recipient_is_a_permanent_failure() -> None:
    with SmtpServer(reject_recipients=[TO]) as server:
        result = send(settings_for(server))
        assert server.received == []

    assert result.state is DeliveryState.FAILED_PERM
    assert result.error is not None and result.error.startswith("550")


def test_temporary_rejection_is_a_temporary_failure_then_the_retry_succeeds() -> None:
    with SmtpServer() as server:
        server.fail_next(1)
        first = send(settings_for(server))
        second = send(settings_for(server))
        received = server.received

    assert first.state is DeliveryState.FAILED_TEMP
    assert first.error is not None and first.error.startswith("451")
    assert second.state is DeliveryState.SENT
    assert len(received) == 1


def test_server_down_then_back_on_the_same_port_delivers_once() -> None:
    with SmtpServer() as server:
        settings = settings_for(server)
        server.stop()
        while_down = send(settings)
        server.start()
        after = send(settings)
        received = server.received

    assert while_down.state is DeliveryState.FAILED_TEMP
    assert after.state is DeliveryState.SENT
    assert len(received) == 1


def with_notifier(settings: EmailSettings, use: Callable[[EmailNotifier], Awaitable[T]]) -> T:
    """Run `use` with one notifier in a fresh event loop, closing the notifier after."""

    async def run() -> T:
        notifier = EmailNotifier(settings)
        try:
            return await use(notifier)
        finally:
            await notifier.close()

    return asyncio.run(run())


def test_successive_emails_go_in_one_smtp_session() -> None:
    async def in_turn(notifier: EmailNotifier) -> list[SendResult]:
        return [await notifier.send(a_message(id=n)) for n in range(5)]

    with SmtpServer(security="starttls") as server:
        results = with_notifier(settings_for(server), in_turn)
        received, sessions = server.received, server.sessions

    assert [r.state for r in results] == [DeliveryState.SENT] * 5
    assert sorted(r.message["Message-ID"] for r in received) == [
        f"<jibao-{n}@jibao.test>" for n in range(5)
    ]
    assert sessions == 1


def test_concurrent_emails_share_a_few_sessions() -> None:
    async def together(notifier: EmailNotifier) -> list[SendResult]:
        return await asyncio.gather(*(notifier.send(a_message(id=n)) for n in range(12)))

    with SmtpServer() as server:
        results = with_notifier(settings_for(server), together)
        received, sessions = server.received, server.sessions

    assert [r.state for r in results] == [DeliveryState.SENT] * 12
    assert len(received) == 12
    assert sessions <= POOL_SIZE


def test_a_session_the_server_hung_up_on_is_reopened_and_the_email_sent_once() -> None:
    async def hung_up_between(notifier: EmailNotifier) -> list[SendResult]:
        first = await notifier.send(a_message(id=1))
        # the loop does not run meanwhile: the client still takes its connection for open
        server.hang_up()
        return [first, await notifier.send(a_message(id=2))]

    with SmtpServer() as server:
        results = with_notifier(settings_for(server), hung_up_between)
        received, sessions = server.received, server.sessions

    assert [r.state for r in results] == [DeliveryState.SENT] * 2
    assert [r.message["Message-ID"] for r in received] == [
        "<jibao-1@jibao.test>",
        "<jibao-2@jibao.test>",
    ]
    assert sessions == 2


def test_a_refusal_after_data_on_a_reused_session_is_not_sent_again_at_once() -> None:
    async def refused_second(notifier: EmailNotifier) -> list[SendResult]:
        first = await notifier.send(a_message(id=1))
        server.fail_next(1)  # 451 at the end of DATA
        return [first, await notifier.send(a_message(id=2))]

    with SmtpServer() as server:
        results = with_notifier(settings_for(server), refused_second)
        received = server.received

    assert [r.state for r in results] == [DeliveryState.SENT, DeliveryState.FAILED_TEMP]
    assert len(received) == 1  # the outbox retries it later, with back-off


def test_a_server_gone_while_a_session_idled_is_a_temporary_failure() -> None:
    async def gone_between(notifier: EmailNotifier) -> list[SendResult]:
        first = await notifier.send(a_message(id=1))
        server.stop()
        return [first, await notifier.send(a_message(id=2))]

    with SmtpServer() as server:
        results = with_notifier(settings_for(server), gone_between)

    assert [r.state for r in results] == [DeliveryState.SENT, DeliveryState.FAILED_TEMP]


def test_timeout_after_data_leaves_the_outcome_unknown() -> None:
    with SmtpServer(data_delay_seconds=1.0) as server:
        result = send(settings_for(server, timeout_seconds=0.3))
        received = server.received

    assert result.state is DeliveryState.UNKNOWN
    assert len(received) == 1  # the server did get it: a blind resend would duplicate


def test_timeout_while_connecting_is_a_temporary_failure() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        host, port = silent.getsockname()
        settings = EmailSettings(
            host=host,
            port=port,
            security="none",
            username=None,
            password=None,
            from_address=FROM,
            timeout_seconds=0.3,
        )
        result = send(settings)

    assert result.state is DeliveryState.FAILED_TEMP


def test_starttls_is_never_skipped_when_the_server_does_not_offer_it() -> None:
    with SmtpServer() as server:
        result = send(settings_for(server, security="starttls"))
        assert server.received == []

    assert result.state is DeliveryState.FAILED_PERM


def test_an_untrusted_certificate_is_a_temporary_failure() -> None:
    with SmtpServer(security="tls") as server:
        result = send(settings_for(server, tls_context=None))
        assert server.received == []

    assert result.state is DeliveryState.FAILED_TEMP
    assert result.error is not None and "certificate" in result.error.lower()


def test_message_id_is_the_same_for_a_resend_and_headers_refuse_line_breaks() -> None:
    message = a_message(subject="第一行\n第二行")
    first, again = build_email(message, FROM), build_email(message, FROM)

    assert first["Message-ID"] == again["Message-ID"] == message_id(42, FROM)
    assert first["Subject"] == "第一行 第二行"
    assert message_id(7, "no-domain") == "<jibao-7@jibao.invalid>"
