"""A page loaded again takes its static files from the browser's cache, without asking the server."""

import pytest

from tests.support.browser import log_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def record_requests(server):
    """The paths of the requests `server` answers from now on."""
    paths = []
    inner = server.app.wsgi_app

    def recording(environ, start_response):
        paths.append(environ.get("PATH_INFO", ""))
        return inner(environ, start_response)

    server.app.wsgi_app = recording
    return paths


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_second_page_load_asks_the_server_for_no_static_file(open_page, live_server, viewport):
    live_server.make_user("maria")
    page = open_page(viewport=viewport)
    paths = record_requests(live_server)
    log_in(page, live_server, "maria")
    page.wait_for_load_state("networkidle")
    page.goto(live_server("/chat/"))
    page.wait_for_load_state("networkidle")
    first = [path for path in paths if path.startswith("/static/")]
    assert len(first) >= 5, "the first pages fetch the stylesheets and scripts"

    paths.clear()
    page.goto(live_server("/"))
    page.wait_for_load_state("networkidle")
    page.goto(live_server("/chat/"))
    page.wait_for_load_state("networkidle")
    assert "/" in paths and "/chat/" in paths, "the pages themselves still come from the server"
    assert [path for path in paths if path.startswith("/static/")] == []
