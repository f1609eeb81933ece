"""A real SMTP server (aiosmtpd) on a free loopback port, collecting what it receives."""

import email
import email.policy
import socket
import threading

import pytest


class Inbox:
    def __init__(self):
        self.messages = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to, timeout=10):
        """The newest message to `to`, waiting for it to arrive."""
        with self.arrived:
            ok = self.arrived.wait_for(lambda: any(to in m["To"] for m in self.messages), timeout)
        assert ok, f"no mail to {to} arrived within {timeout}s"
        return [m for m in self.messages if to in m["To"]][-1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """An SMTP server on a fixed loopback port that a test can stop and start again, as a mail host goes
    down and comes back."""

    def __init__(self):
        self.host, self.port, self.inbox = "127.0.0.1", _free_port(), Inbox()
        self._controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.inbox, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server():
    """A running MailServer."""
    server = MailServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(mail_server):
    """(host, port, inbox) of a running SMTP server."""
    return mail_server.host, mail_server.port, mail_server.inbox
