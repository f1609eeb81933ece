"""Take the README's screenshots: home, a conversation and a meeting on the demo network (`flask seed-demo`),
at desktop (1280x800) and phone (390x844) size, in the light and the dark theme, into docs/screenshots/.

    .venv/bin/python scripts/screenshot.py

Three other people of the demo are online (their chat page open), so the home page's "Online now" box has
someone in it, and one of them, the viewer's chat partner, waits in the meeting with a fake camera.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))

from demo_site import CHROMIUM, CHROMIUM_ARGS, LIVE_READY_SCRIPT, demo_site, log_in, wait_until_settled  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "screenshots")
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    # Twice the pixels, as most phones have at least: sharp in the README, and half the file of three times.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
THEMES = ("light", "dark")
MEDIA = {"permissions": ["camera", "microphone"]}


def new_context(browser, url, username, theme="light", **options):
    context = browser.new_context(color_scheme=theme, **MEDIA, **options)
    context.add_cookies([{"name": "theme", "value": theme, "url": url}])
    context.add_init_script(LIVE_READY_SCRIPT)
    context.set_default_timeout(20_000)
    log_in(context, url, username)
    return context


def open_page(context, address):
    page = context.new_page()
    page.goto(address)
    wait_until_settled(page)
    return page


def join_meeting(page):
    page.get_by_role("button", name="Join meeting").click()
    expect(page.get_by_role("button", name="Leave meeting")).to_be_visible()


def shoot(page, name):
    page.evaluate("document.activeElement?.blur(); window.scrollTo(0, 0)")
    page.wait_for_timeout(300)  # fonts, pictures and transitions settle
    path = os.path.join(OUT, f"{name}.png")
    page.screenshot(path=path)
    print("Wrote", os.path.relpath(path))


def take(browser, url, viewer, partner, room_id, others):
    # The others come online; the partner also waits in the meeting.
    present = []
    for username in (partner, *others):
        context = new_context(browser, url, username)
        open_page(context, url + "/chat/")
        present.append(context)
    waiting = open_page(present[0], url + f"/meetings/{room_id}")
    join_meeting(waiting)

    for theme in THEMES:
        suffix = "" if theme == "light" else "-dark"
        for size, options in SIZES.items():
            context = new_context(browser, url, viewer, theme, **options)
            page = open_page(context, url + "/")
            online = page.get_by_role("complementary", name="Online now")
            expect(online.get_by_role("link", name=f"Chat with {display_name(page, partner)}")).to_have_count(1)
            shoot(page, f"home-{size}{suffix}")

            page = open_page(context, url + f"/chat/{partner}")
            shoot(page, f"conversation-{size}{suffix}")

            page = open_page(context, url + f"/meetings/{room_id}")
            join_meeting(page)
            tiles = page.get_by_role("list", name="People in the meeting").get_by_role("listitem")
            expect(tiles).to_have_count(2)
            expect(page.locator(".tile[aria-busy='true']")).to_have_count(0)
            page.wait_for_timeout(1000)  # a few frames of the fake camera
            shoot(page, f"meeting-{size}{suffix}")
            page.get_by_role("button", name="Leave meeting").click()
            context.close()
    for context in present:
        context.close()


def display_name(page, username):
    """The full name the demo gives `username` (e.g. "Alan Turing"), to find them by their accessible name."""
    from socialapp.services.demo import PEOPLE

    first, last = next((first, last) for name, first, last, *_ in PEOPLE if name == username)
    return f"{first} {last}"


def main():
    from socialapp.services.demo import PEOPLE

    os.makedirs(OUT, exist_ok=True)
    with demo_site() as (url, viewer, partner, room_id):
        others = [name for name, *_ in PEOPLE if name not in (viewer, partner)][:2]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            take(browser, url, viewer, partner, room_id, others)
            browser.close()


if __name__ == "__main__":
    main()
