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


@pytest.fixture
def smtp_server():
    """(host, port, inbox) of a running SMTP server."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.hostname, controller.port, inbox
    finally:
        controller.stop()
