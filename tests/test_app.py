import os
import subprocess
import sys

import pytest

from socialapp import create_app
from tests.support.htmx import HTMX


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALAPP_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"MEDIA_ROOT": str(tmp_path)})


def test_production_refuses_to_start_without_the_site_address(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        create_app({"MEDIA_ROOT": str(tmp_path)})


def test_production_starts_with_a_real_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SERVER_NAME", "social.example.org")
    app = create_app({"MEDIA_ROOT": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_from_the_environment_selects_psycopg(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/social")
    app = create_app({"MEDIA_ROOT": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/social"


def test_a_database_server_gets_a_pool_sized_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/social")
    options = create_app({"MEDIA_ROOT": str(tmp_path)}).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"]) == (10, 10)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "25")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "0")
    options = create_app({"MEDIA_ROOT": str(tmp_path)}).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"]) == (25, 0)
    monkeypatch.delenv("DATABASE_URL")
    assert "pool_size" not in create_app({"MEDIA_ROOT": str(tmp_path)}).config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_defaults_need_nothing_installed(tmp_path):
    app = create_app({"MEDIA_ROOT": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["REDIS_URL"] is None
    assert app.config["MAIL_SERVER"] is None
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data
    assert b"<html" in response.data


def test_errors_for_htmx_requests_come_as_a_toast(client):
    response = client.get("/no/such/page", headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#toasts"
    assert b"<html" not in response.data
    assert b'role="alert"' in response.data


def test_pages_about_users_need_a_login(client, make_user):
    make_user("alice")
    response = client.get("/u/alice")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_landing_page_for_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create an account" in response.data


def test_theme_choice_is_remembered(client):
    response = client.post("/theme", data={"theme": "dark", "next": "/"})
    assert response.status_code == 302
    assert 'data-theme="dark"' in client.get("/").get_data(as_text=True)


def test_theme_redirect_stays_on_this_site(client):
    response = client.post("/theme", data={"theme": "dark", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_migrations_match_the_models(app, database_url):
    """`flask db check` finds nothing to generate: every model change has its migration."""
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_too_large_upload_gets_a_friendly_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/register", data={"first_name": "x" * 5000})
    assert response.status_code == 413
    assert b"Too large" in response.data


def test_unexpected_error_gets_a_friendly_500_and_no_details(app, client):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"secret internals" not in response.data


def test_forbidden_gets_a_friendly_403(app, client):
    from flask import abort

    app.add_url_rule("/forbidden", "forbidden", lambda: abort(403))
    response = client.get("/forbidden")
    assert response.status_code == 403
    assert b"Not allowed" in response.data


def test_every_form_control_on_the_account_pages_has_a_label(client):
    import re

    for path in ("/register", "/login", "/password/forgot", "/verify/resend"):
        html = client.get(path).get_data(as_text=True)
        inputs = re.findall(r'<input[^>]*\bid="([^"]+)"[^>]*>', html)
        hidden = set(re.findall(r'<input[^>]*\bid="([^"]+)"[^>]*type="hidden"', html))
        hidden |= set(re.findall(r'<input[^>]*type="hidden"[^>]*\bid="([^"]+)"', html))
        visible = [i for i in inputs if i not in hidden]
        assert visible, path
        for control_id in visible:
            assert f'for="{control_id}"' in html, f"{path}: #{control_id} has no label"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # only in production, behind TLS


def test_scripts_may_connect_to_this_site_only(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    connect_src = next(d for d in csp.split(";") if d.split()[0] == "connect-src")
    assert connect_src.split() == ["connect-src", "'self'"]


def test_production_sends_hsts_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SERVER_NAME", "social.example.org")
    app = create_app({"MEDIA_ROOT": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_health_endpoint_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}}


def test_health_endpoint_fails_when_the_database_is_gone(tmp_path):
    app = create_app(
        {"MEDIA_ROOT": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "down", "checks": {"database": "down"}}


def test_production_logs_one_json_line_per_request(monkeypatch, tmp_path):
    import io
    import json
    import logging

    monkeypatch.setenv("SOCIALAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SERVER_NAME", "social.example.org")
    app = create_app({"MEDIA_ROOT": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    stream = io.StringIO()
    from pythonjsonlogger.json import JsonFormatter

    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))
    handler.setStream(stream)
    app.test_client().get("/healthz")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    request_line = next(entry for entry in lines if entry.get("path") == "/healthz")
    assert request_line["status"] == 200
    assert request_line["method"] == "GET"
    assert isinstance(request_line["duration_ms"], float)


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path):
    from flask import request

    app = create_app({"MEDIA_ROOT": str(tmp_path), "TRUSTED_PROXIES": 1, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.add_url_rule("/addr", "addr", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get("/addr", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "203.0.113.9 https"


def test_health_endpoint_says_degraded_when_the_database_answers_slowly(app, client):
    app.config["HEALTH_SLOW_SECONDS"] = -1  # every answer counts as slow
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "checks": {"database": "degraded"}}


def test_rate_limit_keys_carry_the_instance_prefix(tmp_path):
    # In a process of its own: the limiter keeps the prefix of the first app built in a process.
    import subprocess
    import sys

    code = (
        "from socialapp import create_app; from socialapp.extensions import limiter; "
        f"create_app({{'MEDIA_ROOT': {str(tmp_path)!r}, 'SQLALCHEMY_DATABASE_URI': 'sqlite://'}}); "
        "print(limiter._key_prefix)"
    )
    env = {"PATH": os.environ["PATH"], "REALTIME_PREFIX": "site-b"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "site-b"


@pytest.mark.parametrize(
    "app_overrides",
    [{"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}}],
    indirect=True,
)
def test_a_request_that_cannot_get_a_database_connection_in_time_is_a_503_to_retry(client, db, login, make_user):
    """As under a load the database cannot take: every connection of the pool stays busy (here the only
    one is held by the test) past the pool's timeout."""
    login(make_user("ada"))
    db.session.close()  # the test's own session gives its connection back
    with db.engine.connect():
        page = client.get("/")
        fragment = client.get("/feed", headers={"HX-Request": "true"})
    assert page.status_code == 503
    assert "The site is very busy right now" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "5"
    assert fragment.status_code == 503 and fragment.headers["HX-Retarget"] == "#toasts"
    assert client.get("/").status_code == 200  # the connection back in the pool, pages are served again
