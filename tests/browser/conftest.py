import pytest
from playwright.sync_api import expect


@pytest.fixture
def page(page):
    """Playwright's page, failing in seconds rather than half a minute when something is missing,
    and failing the test when the page breaks its Content-Security-Policy or throws."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    problems = []
    page.on(
        "console",
        lambda msg: msg.type == "error" and "Content Security Policy" in msg.text and problems.append(msg.text),
    )
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    yield page
    assert not problems, "the page reported errors:\n" + "\n".join(problems)
