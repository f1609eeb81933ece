import pytest
from playwright.sync_api import expect


@pytest.fixture
def page(page):
    """Playwright's page, failing in seconds rather than half a minute when something is missing."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    return page
