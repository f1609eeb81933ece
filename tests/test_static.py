"""Static files: versioned URLs with a content hash, cached for a year; unversioned ones briefly."""

import re

from socialapp.assets import LONG_CACHE, StaticVersions, file_hash

STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_hash_changes_when_the_file_changes(tmp_path):
    path = tmp_path / "app.css"
    path.write_text("body { color: red; }")
    before = file_hash(path)
    path.write_text("body { color: blue; }")
    assert file_hash(path) != before
    assert re.fullmatch(r"[0-9a-f]{12}", before)


def test_versions_are_hashed_once_per_process(tmp_path):
    (tmp_path / "app.js").write_text("one")
    versions = StaticVersions(str(tmp_path))
    first = versions.version("app.js")
    (tmp_path / "app.js").write_text("two")
    assert versions.version("app.js") == first
    assert StaticVersions(str(tmp_path)).version("app.js") != first


def test_missing_or_outside_files_have_no_version(tmp_path):
    (tmp_path.parent / "secret.txt").write_text("no")
    versions = StaticVersions(str(tmp_path))
    assert versions.version("nothing.css") is None
    assert versions.version("../secret.txt") is None


def test_static_urls_carry_the_file_hash(app):
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="css/app.css")
    expected = file_hash(f"{app.static_folder}/css/app.css")
    assert url == f"/static/css/app.css?v={expected}"


def test_versioned_file_is_cached_for_a_year(client, app):
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="js/app.js")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == LONG_CACHE


def test_unversioned_or_stale_file_gets_a_short_cache(client):
    for url in ("/static/js/app.js", "/static/js/app.js?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "immutable" not in response.headers["Cache-Control"]


def test_missing_file_is_not_cached_for_long(client):
    response = client.get("/static/js/nothing.js?v=000000000000")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_every_static_link_of_a_page_carries_its_version(client, app):
    body = client.get("/login").get_data(as_text=True)
    links = STATIC_LINK.findall(body)
    assert len(links) >= 5
    for link in links:
        path, _, version = link.partition("?v=")
        assert version == file_hash(app.static_folder + path.removeprefix("/static")), link


def test_pages_load_the_minified_websocket_extension(client):
    body = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/htmx-4.0.1/ext/hx-ws.min.js?v=" in body
    assert "ext/hx-ws.js" not in body
