"""Janus for a test of its own: the configuration of deploy/janus/ with test secrets, its HTTP, admin and
WebSocket transports on free loopback ports, in a folder of its own, loading the VideoRoom alone."""

import json
import pathlib
import random
import re
import shutil
import subprocess
import time
import urllib.request

import pytest

from tests.support.services import CI, free_port

DEPLOYED = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "janus"
# Debian's plugins and transports, in the folder of this machine's architecture (x86_64-linux-gnu...).
LIBRARIES = next(
    (path.parents[1] for path in pathlib.Path("/usr/lib").glob("*/janus/plugins/libjanus_videoroom.so")),
    pathlib.Path("/usr/lib/x86_64-linux-gnu/janus"),
)
API_SECRET = "test-janus-api-secret"
TOKEN_SECRET = "test-janus-token-secret"
ADMIN_SECRET = "test-janus-admin-secret"


def configured(text, values):
    """A .jcfg file with some of its `key = value` lines given other values (strings quoted)."""

    def replace(match):
        key = match.group(2)
        if key not in values:
            return match.group(0)
        value = values[key]
        value = f'"{value}"' if isinstance(value, str) else str(value).lower()
        return f"{match.group(1)}{key} = {value}"

    return re.sub(r"^(\s*)(\w+)\s*=\s*.*$", replace, text, flags=re.M)


def _linked_folder(folder, kind, names):
    """A folder holding links to these of Debian's Janus libraries of a kind, so that Janus loads those alone."""
    folder.mkdir()
    for name in names:
        (folder / name).symlink_to(LIBRARIES / kind / name)
    return folder


class JanusServer:
    def __init__(self, binary, folder):
        self.binary = binary
        self.folder = folder
        folder.mkdir()
        self.http_port, self.admin_port, self.ws_port = free_port(), free_port(), free_port()
        first = random.randrange(20000, 59000, 100)
        plugins = _linked_folder(folder / "plugins", "plugins", ["libjanus_videoroom.so"])
        transports = _linked_folder(folder / "transports", "transports", ["libjanus_http.so", "libjanus_websockets.so"])
        general = {
            "configs_folder": str(folder),
            "plugins_folder": str(plugins),
            "transports_folder": str(transports),
            "events_folder": str(folder / "none"),
            "loggers_folder": str(folder / "none"),
            "api_secret": API_SECRET,
            "token_auth_secret": TOKEN_SECRET,
            "admin_secret": ADMIN_SECRET,
            "rtp_port_range": f"{first}-{first + 99}",
        }
        (folder / "none").mkdir()
        files = {
            "janus.jcfg": general,
            "janus.transport.http.jcfg": {"port": self.http_port, "admin_port": self.admin_port},
            "janus.transport.websockets.jcfg": {"ws_port": self.ws_port},
            "janus.plugin.videoroom.jcfg": {"admin_key": API_SECRET},
        }
        for name, values in files.items():
            (folder / name).write_text(configured((DEPLOYED / name).read_text(), values))
        self.process = None

    @property
    def api_url(self):
        return f"http://127.0.0.1:{self.http_port}/janus"

    @property
    def admin_url(self):
        return f"http://127.0.0.1:{self.admin_port}/admin"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.ws_port}"

    def config(self):
        """The app's settings for this Janus."""
        return {
            "JANUS_URL": self.ws_url,
            "JANUS_API_URL": self.api_url,
            "JANUS_API_SECRET": API_SECRET,
            "JANUS_TOKEN_SECRET": TOKEN_SECRET,
        }

    def log(self):
        path = self.folder / "janus.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def post(self, path, payload, url=None):
        """One request to the Janus API (or, with `url`, the admin API); its JSON answer."""
        payload = {"transaction": "t", **payload}
        request = urllib.request.Request((url or self.api_url) + path, data=json.dumps(payload).encode())
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

    def start(self):
        command = [self.binary, "--config", str(self.folder / "janus.jcfg"), "--configs-folder", str(self.folder)]
        command += ["--log-file", str(self.folder / "janus.log"), "--disable-colors"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            assert self.process.poll() is None, "janus exited:\n" + self.log()
            try:
                if self.post("", {"janus": "info"}).get("janus") == "server_info":
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "janus did not start:\n" + self.log()
            time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def janus_server(tmp_path):
    """A running Janus for this test alone, configured as deploy/janus/ with the secrets above; stopped
    afterwards. `make test` installs Janus when it is missing; with CI=true a missing or broken Janus fails."""
    binary = shutil.which("janus")
    if binary is None:
        if CI:
            pytest.fail("janus is required when CI=true: apt-get install -y janus")
        pytest.skip("Janus is not installed here (make janus)")
    server = JanusServer(binary, tmp_path / "janus")
    server.start()
    yield server
    server.stop()
