"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, in a thread of the test process.

    with SmtpServer(security="starttls", username="duty", password="s3cret") as server:
        settings = EmailSettings(host=server.host, port=server.port, security="starttls",
                                 ..., tls_context=client_tls_context())
        ...
        [received] = server.received          # ReceivedMessage: envelope + parsed email

Options (all keyword-only):

- `security`: "none" (plain text), "starttls" (offers and requires STARTTLS before MAIL),
  or "tls" (implicit TLS from the first byte). TLS uses a self-signed certificate for
  `localhost` and `127.0.0.1`, made once per test run with `openssl`;
  `client_tls_context()` returns a client context that trusts it, so certificate
  verification stays on.
- `username`/`password`: offer AUTH (PLAIN, LOGIN) and refuse MAIL with 530 until the
  client has logged in. Over STARTTLS aiosmtpd only offers AUTH after the upgrade.
- `reject_recipients`: addresses answered with `550 5.1.1` at RCPT.
- `data_delay_seconds`: after receiving a message (and recording it), wait this long
  before answering DATA, to make a client time out with the outcome unknown.

Controls: `start()`, `stop()` (closes open connections too), `start()` again binds the
SAME port; `hang_up()` closes open connections and goes on listening; `sessions` counts the
connections accepted messages came on; `fail_next(n)` answers `451 4.3.0` to the next n
messages at the end of DATA, without recording them; `received` lists what was accepted,
across restarts; `reset()` forgets it. Use it as a context manager so it is always stopped: a
forgotten server leaves a thread and an event loop behind, and the suite turns ResourceWarnings
into errors.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import functools
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.polling import wait_until_async

Security = Literal["none", "starttls", "tls"]
HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the server accepted: the envelope, the parsed email, how it came."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    tls: bool  # the session was encrypted (STARTTLS or implicit TLS)
    login: str | None  # the user the client logged in as, if any
    peer: str  # the client's host:port: one per SMTP session


@functools.cache
def self_signed_certificate() -> tuple[str, str]:
    """A throwaway (certificate PEM, key PEM) for localhost and 127.0.0.1, one per run."""
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        return cert.read_text(), key.read_text()


def server_tls_context() -> ssl.SSLContext:
    """A server-side context holding the self-signed certificate."""
    cert_pem, key_pem = self_signed_certificate()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        cert.write_text(cert_pem)
        key.write_text(key_pem)
        context.load_cert_chain(cert, key)
    return context


def client_tls_context() -> ssl.SSLContext:
    """A verifying client context that trusts the test certificate (and nothing else)."""
    return ssl.create_default_context(cadata=self_signed_certificate()[0])


class _Handler:
    """aiosmtpd hooks: demand login, reject some recipients, fail or delay, record."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Refuse senders until the client has logged in, when a login is configured."""
        if self.server.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Answer 550 for configured addresses, accept the others."""
        if address.lower() in self.server.reject_recipients:
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such mailbox"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        """Fail the message if asked to, else record it (then maybe dawdle) and accept."""
        if self.server.take_failure():
            return "451 4.3.0 Temporary failure, please try again later"
        raw = cast(bytes, envelope.original_content)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        login = session.auth_data
        self.server.record(
            ReceivedMessage(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=parsed,
                raw=raw,
                tls=_encrypted(smtp, session),
                login=login.login.decode() if isinstance(login, LoginPassword) else None,
                peer="{}:{}".format(*session.peer[:2]),
            )
        )
        if self.server.data_delay_seconds:
            await asyncio.sleep(self.server.data_delay_seconds)
        return "250 2.0.0 OK: queued"


def _encrypted(smtp: SMTP, session: Session) -> bool:
    """Whether a session runs over TLS, by STARTTLS or from the first byte."""
    transport = smtp.transport
    tls_transport = transport is not None and transport.get_extra_info("sslcontext") is not None
    return session.ssl is not None or tls_transport


class _Controller(Controller):
    """aiosmtpd's threaded Controller, binding an ephemeral port and closing every connection
    on stop (a connection left open would be an unclosed transport when its loop closes)."""

    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.connections: list[SMTP] = []

    def factory(self) -> SMTP:
        """One protocol per connection, kept so stop() can close it."""
        smtp = SMTP(self.handler, **self.SMTP_kwargs)
        self.connections.append(smtp)
        return smtp

    def _trigger_server(self) -> None:
        """Learn the port the OS picked before aiosmtpd's start-up probe connects to it."""
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]

    def stop(self, no_assert: bool = False) -> None:
        """Close the listener and all connections, then stop the loop and the thread."""
        if self.loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._close_all(), self.loop)
            future.result(timeout=5)
        super().stop(no_assert)

    def hang_up(self) -> None:
        """Close every open connection, still listening (a server dropping idle clients)."""
        asyncio.run_coroutine_threadsafe(self._hang_up(), self.loop).result(timeout=5)

    async def _close_all(self) -> None:
        """Runs in the server's loop: stop listening, hang up on every client."""
        if self.server is not None:
            self.server.close()
        await self._hang_up()

    async def _hang_up(self) -> None:
        for smtp in self.connections:
            if smtp.transport is not None:
                smtp.transport.close()
        # until every connection_lost callback has run (aiosmtpd clears the transport there)
        await wait_until_async(
            lambda: all(smtp.transport is None for smtp in self.connections), timeout=5
        )


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that records what it accepts (see module docstring)."""

    host = HOST

    def __init__(
        self,
        *,
        security: Security = "none",
        username: str | None = None,
        password: str | None = None,
        reject_recipients: Iterable[str] = (),
        data_delay_seconds: float = 0.0,
    ) -> None:
        self.security = security
        self.username = username
        self.password = password
        self.reject_recipients = frozenset(address.lower() for address in reject_recipients)
        self.data_delay_seconds = data_delay_seconds
        self.port = 0  # the OS picks one on first start; later starts reuse it
        self._lock = threading.Lock()
        self._received: list[ReceivedMessage] = []
        self._failures_left = 0
        self._controller: _Controller | None = None

    @property
    def running(self) -> bool:
        """Whether the server is listening now."""
        return self._controller is not None

    @property
    def received(self) -> list[ReceivedMessage]:
        """The messages accepted so far, oldest first (a copy)."""
        with self._lock:
            return list(self._received)

    def start(self) -> None:
        """Listen on `port` (an ephemeral one the first time) until stop()."""
        if self._controller is not None:
            raise RuntimeError("the SMTP server is already running")
        controller = self._make_controller()
        try:
            controller.start()
        except BaseException:
            _abandon(controller)
            raise
        self.port = controller.port
        self._controller = controller

    def stop(self) -> None:
        """Stop listening and hang up on clients; start() brings it back on the same port."""
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    def hang_up(self) -> None:
        """Close the open connections and go on listening."""
        if self._controller is not None:
            self._controller.hang_up()

    @property
    def sessions(self) -> int:
        """How many SMTP sessions the accepted messages came on."""
        return len({received.peer for received in self.received})

    def fail_next(self, count: int = 1) -> None:
        """Answer 451 at the end of DATA for the next `count` messages."""
        with self._lock:
            self._failures_left = count

    def reset(self) -> None:
        """Forget received messages and pending failures."""
        with self._lock:
            self._received.clear()
            self._failures_left = 0

    def take_failure(self) -> bool:
        """Consume one pending failure, if any (called by the handler)."""
        with self._lock:
            if self._failures_left <= 0:
                return False
            self._failures_left -= 1
            return True

    def record(self, received: ReceivedMessage) -> None:
        """Keep an accepted message (called by the handler)."""
        with self._lock:
            self._received.append(received)

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _make_controller(self) -> _Controller:
        """A controller for the configured security and login."""
        options: dict[str, Any] = {}
        if self.security == "tls":
            options["ssl_context"] = server_tls_context()
        elif self.security == "starttls":
            options.update(tls_context=server_tls_context(), require_starttls=True)
        if self.username is not None:
            # Over implicit TLS aiosmtpd cannot see the encryption, so it has to be told
            # not to insist; over STARTTLS it insists, which proves the client upgraded.
            options.update(
                authenticator=self._authenticate,
                auth_require_tls=self.security == "starttls",
            )
        return _Controller(
            _Handler(self), hostname=HOST, port=self.port, server_hostname="localhost", **options
        )

    def _authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """Accept exactly the configured username and password."""
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


def _abandon(controller: _Controller) -> None:
    """Clean up after a failed start: stop the thread if it runs, close the loop if not."""
    if controller.loop.is_running():
        controller.stop(no_assert=True)
    elif not controller.loop.is_closed():
        controller.loop.close()
