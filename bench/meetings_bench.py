"""Meetings: time from pressing "Join meeting" to the first remote video frame, on loopback.

    .venv/bin/python bench/meetings_bench.py [--runs 15]

Serves the app on a free loopback port (werkzeug, threaded, the in-process broker) over a fresh SQLite
database, and drives Debian's Chromium through Playwright with fake cameras and microphones. One or two
people wait in the room; a newcomer whose socket is ready presses Join, and the page measures
(performance.now) until the video of the first, and of every, other person has its first frame decoded
("loadeddata"): the join message, the server's answer, one offer/answer/ICE exchange per peer through
the socket and broker, DTLS, and the first decoded frame. The newcomer reloads between runs, so each
run is a fresh join; the next run starts once the others have dropped its previous tile.
Prints a Markdown table: median and max per room size.
"""

import argparse
import logging
import os
import statistics
import tempfile

from common import fresh_database

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, log_in

# Resolves with the milliseconds from the click on Join to the server's answer (the page has joined),
# to the first frame of the first remote video, and to the first frame of the last one. Remote tiles are those with aria-busy (the page's own has none).
JOIN_AND_WAIT_FOR_VIDEO = """async (others) => {
    const tiles = document.getElementById("tiles");
    const start = performance.now();
    document.getElementById("join-button").click();
    const firstFrame = (video) => (video.readyState >= 2
        ? Promise.resolve()
        : new Promise((resolve) => video.addEventListener("loadeddata", resolve, { once: true }))
    ).then(() => performance.now() - start);
    let answered = null;
    const remoteVideos = () => new Promise((resolve) => {
        const look = () => {
            if (answered === null && window.meeting.joined) answered = performance.now() - start;
            const videos = [...tiles.querySelectorAll("li[aria-busy] video")];
            videos.length >= others ? resolve(videos) : requestAnimationFrame(look);
        };
        look();
    });
    const times = await Promise.all((await remoteVideos()).map(firstFrame));
    return [Math.min(...times), Math.max(...times), answered];
}"""
TILES = "() => document.querySelectorAll('#tiles > li').length"


def run(runs):
    from playwright.sync_api import sync_playwright

    from socialapp import create_app
    from socialapp.services import meetings

    with fresh_database("sqlite") as url, tempfile.TemporaryDirectory() as media, sync_playwright() as pw:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "MEDIA_ROOT": media}
        )
        server = LiveServer(app)
        server.start()
        names = ["host", "second", "newcomer"]
        ids = [server.make_user(name)[0] for name in names]
        with app.app_context():
            room_id = meetings.create_meeting(ids[0], "Bench").room_id
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = {}
        for name in names:
            page = browser.new_context(permissions=["camera", "microphone"]).new_page()
            page.set_default_timeout(60_000)
            log_in(page, server, name)
            page.goto(server(f"/meetings/{room_id}"))
            pages[name] = page
        rows = []
        for waiting in (["host"], ["host", "second"]):
            for name in waiting:
                if not pages[name].evaluate("() => window.meeting.joined"):
                    pages[name].get_by_role("button", name="Join meeting").click()
                    pages[name].get_by_role("button", name="Leave meeting").wait_for()
            samples = []
            newcomer = pages["newcomer"]
            for _ in range(runs):
                newcomer.goto(server(f"/meetings/{room_id}"))
                newcomer.wait_for_function("() => window.meeting.connected && window.meeting.localStream.active")
                for name in waiting:  # self and the others waiting, without the newcomer's last visit
                    pages[name].wait_for_function(f"() => ({TILES})() === {len(waiting)}")
                samples.append(newcomer.evaluate(JOIN_AND_WAIT_FOR_VIDEO, len(waiting)))
            rows.append((len(waiting) + 1, samples))
        browser.close()
        server.stop()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    rows = run(args.runs)
    print(f"\nJoin to first remote video frame, loopback, {args.runs} joins each\n")
    print(
        "| people after joining | joined: median ms | first remote frame: median ms | max ms "
        "| every remote video: median ms | max ms |"
    )
    print("|---|---|---|---|---|---|")
    for people, samples in rows:
        first, every, answered = ([s[i] for s in samples] for i in range(3))
        print(
            f"| {people} | {statistics.median(answered):.0f} | {statistics.median(first):.0f} | {max(first):.0f} "
            f"| {statistics.median(every):.0f} | {max(every):.0f} |"
        )


if __name__ == "__main__":
    main()
