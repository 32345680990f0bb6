"""A local SMTP server for tests: accepts or refuses every message, in a thread on 127.0.0.1.

Django's real SMTP backend talks to it over a socket, so the tests see exactly what a mail server
that answers "554 refused" does to the outbox (no aiosmtpd needed: a few lines of the protocol).
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class StubState:
    refuse: bool = False
    received: list[str] = field(default_factory=list)  # the DATA of every accepted message


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        state = self.server.state
        self._say("220 stub ESMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._say("250 stub")
            elif command.startswith("MAIL FROM"):
                self._say("250 OK")
            elif command.startswith("RCPT TO"):
                self._say("554 5.7.1 Relay access denied" if state.refuse else "250 OK")
            elif command == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line.decode(errors="replace"))
                state.received.append("".join(lines))
                self._say("250 OK queued")
            elif command == "RSET" or command == "NOOP":
                self._say("250 OK")
            elif command == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: StubState


@contextmanager
def smtp_stub() -> Iterator[tuple[StubState, int]]:
    """(state, port): set ``state.refuse`` to make the server refuse every recipient."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = StubState()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.state, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mail_server(settings: Any) -> Iterator[StubState]:
    """Django's real SMTP backend pointed at a local stub (a plugin of the root conftest)."""
    with smtp_stub() as (state, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield state
