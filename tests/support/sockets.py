"""A page's socket to a live server's /ws, opened as a browser opens it: from the site's own origin, with the
session cookie of a logged-in user.

websocket-client reads the handshake's answer line by line, so a message the server sends right after it
(the "ready") stays on the socket for the next read. simple_websocket's client read both in one go when
they came together and kept the message in its parser until more data arrived: a "ready" lost now and then.
"""

import json
import time

import websocket

# Seconds to wait for a message: generous, since CI runs two test processes on two cores.
WAIT = 10


def wait_until(condition, what, timeout=WAIT):
    """Wait until `condition()` holds, checking often; fail after `timeout` s saying what did not happen."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.02)


class Closed(Exception):
    """The server closed the socket, with `code`."""

    def __init__(self, code):
        super().__init__(f"the server closed the socket with code {code}")
        self.code = code


class Refused(Exception):
    """The server answered the opening handshake with `status` rather than opening the socket."""

    def __init__(self, status):
        super().__init__(f"the server refused the socket with HTTP {status}")
        self.status = status


class PageSocket:
    def __init__(self, server, cookie=None, origin=None, path="/ws", headers=None):
        try:
            self.ws = websocket.create_connection(
                server.url.replace("http", "ws", 1) + path,
                origin=origin or server.url,
                cookie=cookie,
                header=headers or {},
                timeout=WAIT,
            )
        except websocket.WebSocketBadStatusException as refused:
            raise Refused(refused.status_code) from None

    def receive(self, timeout=WAIT):
        """The next text message, or None if none came within `timeout` s; raises Closed when the server
        closes the socket."""
        self.ws.settimeout(timeout)
        try:
            opcode, data = self.ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            raise Closed(int.from_bytes(data[:2], "big") if len(data) >= 2 else None)
        return data.decode()

    def receive_until(self, predicate, timeout=WAIT, what="the expected message"):
        """The first message for which `predicate` holds, skipping others."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(timeout=left)
            if message is not None and predicate(message):
                return message
        raise AssertionError(f"{what} did not arrive within {timeout} s")

    def send(self, data):
        """A text message, or a binary one for bytes."""
        if isinstance(data, bytes):
            self.ws.send_binary(data)
        else:
            self.ws.send(data)

    def send_raw(self, data):
        """Bytes straight onto the connection, framed or not, as a misbehaving client would send them."""
        self.ws.sock.sendall(data)

    def close(self):
        self.ws.close()


def ready_socket(server, user_id, path="/ws"):
    """A page's socket logged in as `user_id`, once the server has said it is ready."""
    from tests.support.browser import session_cookie

    ws = PageSocket(server, session_cookie(server.app, user_id), path=path)
    assert json.loads(ws.receive()) == {"ready": True}
    return ws
