"""The files in deploy/ are what docs/deploy.md says: the environment file reads as intended in a shell,
and the systemd units pass `systemd-analyze verify`."""

import os
import pathlib
import shutil
import subprocess

import pytest

DEPLOY = pathlib.Path(__file__).resolve().parent.parent / "deploy"
UNITS = [
    "socialapp.service",
    "socialapp-send-mail.service",
    "socialapp-send-mail.timer",
    "socialapp-backup.service",
    "socialapp-backup.timer",
]


def test_the_environment_file_sample_reads_as_intended_in_a_shell():
    script = f"set -a; . {DEPLOY / 'socialapp.env.example'}; env -0"
    result = subprocess.run(["bash", "-c", script], env={"PATH": os.environ["PATH"]}, capture_output=True, check=True)
    assert result.stderr == b""
    env = dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    assert env["SOCIALAPP_ENV"] == "production"
    assert env["SERVER_NAME"] == "social.example.org"
    assert env["TRUSTED_PROXIES"] == "1"
    assert env["MEDIA_ROOT"] == "/srv/socialapp-media"
    assert env["MAIL_DEFAULT_SENDER"] == "socialapp <no-reply@social.example.org>"
    assert env["DATABASE_URL"] == "postgresql://socialapp@/socialapp"
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert env["MAIL_PORT"] == "587" and env["MAIL_USE_TLS"] == "true"
    assert "secrets.token_urlsafe" in env["SECRET_KEY"]
    assert env["TURN_URLS"].split(",") == [
        "turn:turn.example.org:3478?transport=udp",
        "turn:turn.example.org:3478?transport=tcp",
        "turns:turn.example.org:5349?transport=tcp",
    ]
    assert env["TURN_SECRET"].startswith("change-me") and env["TURN_TTL"] == "43200"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path):
    # The units name /srv/socialapp paths that exist only on a server: verify copies whose programs exist.
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/srv/socialapp/.venv/bin/gunicorn", shutil.which("true"))
        text = text.replace("/srv/socialapp/.venv/bin/flask", shutil.which("true"))
        (tmp_path / name).write_text(text)
        copies.append(str(tmp_path / name))
    result = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines() if any(unit in line for unit in UNITS)]
    assert result.returncode == 0 and not problems, result.stderr


def test_the_gunicorn_service_reloads_gracefully_as_a_dedicated_user():
    text = (DEPLOY / "socialapp.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in text
    assert "User=socialapp" in text and "EnvironmentFile=/etc/socialapp.env" in text
    assert "NoNewPrivileges=true" in text and "ProtectSystem=strict" in text


def test_the_turn_server_relays_only_for_the_app_and_never_into_private_networks():
    lines = (DEPLOY / "turnserver.conf").read_text().splitlines()
    settings = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for setting in (
        "use-auth-secret",
        "fingerprint",
        "no-cli",
        "no-multicast-peers",
        "no-tcp-relay",
        "no-tlsv1",
        "no-tlsv1_1",
    ):
        assert setting in settings
    for setting in ("listening-port=3478", "tls-listening-port=5349", "min-port=49152", "max-port=65535"):
        assert setting in settings
    assert "static-auth-secret=change-me" in settings
    assert any(line.startswith("user-quota=") for line in settings)
    assert any(line.startswith("total-quota=") for line in settings)
    assert any(line.startswith("cert=") for line in settings) and any(line.startswith("pkey=") for line in settings)
    for denied in (
        "10.0.0.0-10.255.255.255",
        "172.16.0.0-172.31.255.255",
        "192.168.0.0-192.168.255.255",
        "127.0.0.0-127.255.255.255",
        "169.254.0.0-169.254.255.255",
        "100.64.0.0-100.127.255.255",
        "::1",
        "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ):
        assert f"denied-peer-ip={denied}" in settings
    # Nothing that would let any client in without the app's credentials, or reach loopback.
    assert not any(line.startswith(("lt-cred-mech", "no-auth", "allow-loopback-peers", "user=")) for line in settings)
