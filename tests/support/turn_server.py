"""coturn's turnserver for a test of its own: the configuration of deploy/turnserver.conf with its
secret, on loopback ports that are free, and with loopback peers allowed for the test alone."""

import pathlib
import random
import shutil
import socket
import subprocess
import time

import pytest

from tests.support.services import CI, free_port

DEPLOYED_CONFIG = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "turnserver.conf"
SECRET = "test-shared-secret"
REALM = "socialapp.test"
# Nothing but this process listens on 127.0.0.1 here; the deployed file's TLS needs a certificate.
DROPPED = {"cert", "pkey", "syslog", "no-stdout-log", "tls-listening-port"}
LOOPBACK_DENIAL = "denied-peer-ip=127.0.0.0-127.255.255.255"


def loopback_config(deployed, port, relay_ports, folder):
    """deploy/turnserver.conf as it runs in a test: the same rules, on loopback."""
    values = {
        "static-auth-secret": SECRET,
        "realm": REALM,
        "listening-port": port,
        "min-port": relay_ports[0],
        "max-port": relay_ports[1],
    }
    lines = []
    for line in deployed.splitlines():
        key = line.split("=", 1)[0].strip()
        if key in DROPPED or line.strip() == LOOPBACK_DENIAL:
            continue
        lines.append(f"{key}={values[key]}" if key in values else line)
    lines += [
        "listening-ip=127.0.0.1",
        "relay-ip=127.0.0.1",
        "allow-loopback-peers",
        "verbose",  # a line for each request it answers, which tests read
        "no-tls",
        f"log-file={folder / 'turn.log'}",
        "simple-log",
        f"pidfile={folder / 'turn.pid'}",
        f"userdb={folder / 'turndb'}",
    ]
    return "\n".join(lines) + "\n"


class TurnServer:
    def __init__(self, binary, folder):
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        first = random.randrange(49152, 65000)
        self.config = folder / "turnserver.conf"
        self.config.write_text(loopback_config(DEPLOYED_CONFIG.read_text(), self.port, (first, first + 200), folder))
        self.process = None

    def url(self, transport):
        return f"turn:127.0.0.1:{self.port}?transport={transport}"

    def log(self):
        path = self.folder / "turn.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def answered(self, what):
        """How many times the log says a request was answered so: e.g. "REFRESH processed, success"."""
        return self.log().count(what)

    def start(self):
        command = [self.binary, "-c", str(self.config)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, "turnserver exited:\n" + self.log()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "turnserver did not start:\n" + self.log()
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def turn_server(tmp_path):
    """A running coturn for this test alone, with `SECRET` as its shared secret; stopped afterwards.
    `make test` installs coturn when it is missing; with CI=true a missing turnserver fails the test."""
    binary = shutil.which("turnserver")
    if binary is None:
        if CI:
            pytest.fail("turnserver is required when CI=true: apt-get install -y coturn")
        pytest.skip("coturn is not installed here (make coturn)")
    server = TurnServer(binary, tmp_path)
    server.start()
    yield server
    server.stop()
