"""A redis-server of a test's own, on a free port, that the test can stop and start again."""

import shutil
import socket
import subprocess
import time

import pytest

from tests.support.services import CI, free_port


class RedisServer:
    def __init__(self, binary):
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        # Nothing saved to disk, so a restart comes back empty, as a Redis without persistence would.
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not self.answers():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def stop(self):
        self.process.terminate()
        self.process.wait(5)
        self.process = None


@pytest.fixture
def own_redis():
    """A running redis-server for this test alone; stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        if CI:
            pytest.fail("redis-server is required when CI=true")
        pytest.skip("redis-server is not installed here")
    server = RedisServer(binary)
    server.start()
    yield server
    if server.process is not None:
        server.stop()
