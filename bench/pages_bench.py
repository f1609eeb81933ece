"""Page weight and first paint of home and a chat conversation, in Chromium, on the demo network.

    .venv/bin/python bench/pages_bench.py [--runs 5]

Serves the app with `flask seed-demo`'s network on a loopback port and opens each page at phone size
(390x844, device scale factor 3) and desktop size (1280x800): first load in a fresh browser context (empty
cache, logged in by cookie) and repeat load (a new tab in that same context). Counts, through the
DevTools protocol, the HTTP requests that reached the server (not answered from the browser's cache), how
many of them were for static files (304 or not), and the bytes transferred; reads first paint and first contentful paint from performance.getEntriesByType('paint').
The page's WebSocket is not counted. Prints a Markdown table of medians over the runs.
"""

import argparse
import statistics

from demo_site import CHROMIUM, CHROMIUM_ARGS, DESKTOP, LIVE_READY_SCRIPT, PHONE, demo_site, log_in, wait_until_settled
from playwright.sync_api import sync_playwright

SIZES = {"phone": PHONE, "desktop": DESKTOP}


class Traffic:
    """What one page load asked of the network, from the DevTools protocol's Network events."""

    def __init__(self, cdp):
        self.sent, self.static, self.cached, self.bytes = set(), set(), set(), 0
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", lambda e: setattr(self, "bytes", self.bytes + e["encodedDataLength"]))
        cdp.send("Network.enable")

    def _sent(self, event):
        address = event["request"]["url"]
        if address.startswith("http"):
            self.sent.add(event["requestId"])
            if "/static/" in address:
                self.static.add(event["requestId"])

    def _response(self, event):
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    @property
    def requests(self):
        return len(self.sent - self.cached)

    @property
    def static_requests(self):
        return len(self.static - self.cached)


def load(context, address):
    """Open `address` in a new tab of `context`; returns (requests, static file requests, bytes, first paint, FCP)."""
    page = context.new_page()
    traffic = Traffic(context.new_cdp_session(page))
    page.goto(address)
    wait_until_settled(page)
    paints = page.evaluate("Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]))")
    page.close()
    return (
        traffic.requests,
        traffic.static_requests,
        traffic.bytes,
        paints["first-paint"],
        paints["first-contentful-paint"],
    )


def run(url, viewer, partner, runs):
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        login = browser.new_context()
        log_in(login, url, viewer)
        cookies = {"cookies": login.cookies(), "origins": []}
        login.close()
        for name, path in (("home", "/"), ("chat conversation", f"/chat/{partner}")):
            for size, options in SIZES.items():
                first, repeat = [], []
                for _ in range(runs):
                    context = browser.new_context(storage_state=cookies, **options)
                    context.add_init_script(LIVE_READY_SCRIPT)
                    first.append(load(context, url + path))
                    repeat.append(load(context, url + path))
                    context.close()
                rows.append((name, size, "first", first))
                rows.append((name, size, "repeat", repeat))
        browser.close()
    return rows


def print_rows(rows):
    print("\n| page | size | load | requests | of them static files | kB transferred | first paint ms | FCP ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, size, kind, samples in rows:
        requests, static, sent, paint, fcp = (statistics.median(column) for column in zip(*samples, strict=True))
        print(
            f"| {name} | {size} | {kind} | {requests:.0f} | {static:.0f} | {sent / 1000:.1f} "
            f"| {paint:.0f} | {fcp:.0f} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with demo_site() as (url, viewer, partner, _room):
        print_rows(run(url, viewer, partner, args.runs))


if __name__ == "__main__":
    main()
