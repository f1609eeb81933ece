import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in


@pytest.fixture
def open_page(new_context):
    """`open_page(name, timeout=10_000, timezone_id="UTC", **context_options)`: a page in a browser of its own
    (its own cookies, permissions, time zone...), failing in `timeout` ms rather than half a minute when
    something is missing. The test fails if any page it opened breaks its Content-Security-Policy or throws;
    what each page said on its console is printed, so a failing test shows it."""
    problems = []

    def watch(page, name):
        def console(msg):
            print(f"{name} console.{msg.type}: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text:
                problems.append(f"{name}: {msg.text}")

        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(f"{name}: uncaught {error}"))

    def open_page(name="page", timeout=10_000, timezone_id="UTC", **context_options):
        page = new_context(timezone_id=timezone_id, **context_options).new_page()
        page.set_default_timeout(timeout)
        expect.set_options(timeout=timeout)
        watch(page, name)
        return page

    yield open_page
    assert not problems, "the pages reported errors:\n" + "\n".join(problems)


@pytest.fixture
def page(open_page):
    """Playwright's page, opened and watched as `open_page` does."""
    return open_page()


@pytest.fixture
def open_browser(open_page, live_server):
    """`open_browser(username, timeout=10_000, **context_options)`: `open_page`, logged in as `username`."""

    def open_browser(username, timeout=10_000, **context_options):
        page = open_page(username, timeout, **context_options)
        log_in(page, live_server, username)
        return page

    return open_browser
