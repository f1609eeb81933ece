"""Meetings, the mesh against Janus (SFU mode): join to the first remote video frame, and one person's upload.

    .venv/bin/python bench/meetings_bench.py [--runs 5] [--people 2,4,8] [--modes mesh,sfu]

Serves the app on a free loopback port (werkzeug, threaded, the in-process broker) over a fresh SQLite
database, and drives Debian's Chromium through Playwright with fake cameras (at 320x240, 15 frames a
second: every page shares the same cores) and microphones. In SFU mode it also starts Debian's Janus as
the tests do (tests/support/janus_server.py: deploy/janus/ on free loopback ports).

For each room size N, N-1 people wait in the room; a newcomer whose socket is ready presses Join, and the
page measures (performance.now) until the server's answer, and until the video of the first, and of every,
other person has its first frame decoded ("loadeddata"). In a mesh that is one offer/answer/ICE exchange
per other person through the socket and broker; through Janus it is a session, a publish and one
subscription per other person. The newcomer reloads between runs, so each run is a fresh join; the next
starts once the others have dropped its previous tile. At 4 people, the first person's upload is then read
from getStats (bytes sent by every connection that carries its media, over 5 s): a mesh sends a copy to
each other person, Janus takes one (simulcast) stream. Prints Markdown tables.
"""

import argparse
import logging
import os
import pathlib
import shutil
import statistics
import tempfile

from common import fresh_database

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LOW_RESOLUTION, LiveServer, log_in

# Resolves with the milliseconds from the click on Join to the first frame of the first remote video, to
# that of the last one, and to the server's answer (the page has joined). Remote tiles are those with
# aria-busy (the page's own has none).
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
# kbit/s sent over `ms` by every connection that carries this page's media, and how many connections.
UPLOAD = """async (ms) => {
    const sent = async () => {
        let bytes = 0;
        for (const pc of window.meeting.senders) {
            (await pc.getStats()).forEach((s) => { if (s.type === "outbound-rtp") bytes += s.bytesSent; });
        }
        return bytes;
    };
    const before = await sent(), start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    return [(await sent() - before) * 8 / (performance.now() - start), window.meeting.senders.length];
}"""


def measure(server, pages, room_id, people, runs):
    """Join samples with `people` in the room after the newcomer joins; the upload at that size too."""
    waiting, newcomer = pages[: people - 1], pages[people - 1]
    for page in waiting:
        page.goto(server(f"/meetings/{room_id}"))
        page.wait_for_function("() => window.meeting.connected && window.meeting.localStream.active")
        page.get_by_role("button", name="Join meeting").click()
        page.get_by_role("button", name="Leave meeting").wait_for()
    samples = []
    for _ in range(runs):
        newcomer.goto(server(f"/meetings/{room_id}"))
        newcomer.wait_for_function("() => window.meeting.connected && window.meeting.localStream.active")
        for page in waiting:  # self and the others waiting, without the newcomer's last visit
            page.wait_for_function(f"() => ({TILES})() === {len(waiting)}")
        samples.append(newcomer.evaluate(JOIN_AND_WAIT_FOR_VIDEO, len(waiting)))
    upload = pages[0].evaluate(UPLOAD, 5000)
    for page in pages[:people]:
        page.goto("about:blank")  # the socket closes: the room empties
    return samples, upload


def run(mode, runs, sizes):
    from playwright.sync_api import sync_playwright

    from socialapp import create_app
    from socialapp.services import meetings
    from tests.support.janus_server import JanusServer

    with (
        fresh_database("sqlite") as url,
        tempfile.TemporaryDirectory() as folder,
        sync_playwright() as pw,
    ):
        config = {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "MEDIA_ROOT": folder,
            # One more than the largest room: a reloading newcomer's last tab may not have left yet.
            "MEETING_MAX_PARTICIPANTS": max(sizes) + 1,
        }
        janus = None
        if mode == "sfu":
            janus = JanusServer(shutil.which("janus"), pathlib.Path(folder) / "janus")
            janus.start()
            config.update(janus.config())
        app = create_app(config)
        server = LiveServer(app)
        server.start()
        names = [f"person{n}" for n in range(max(sizes))]
        ids = [server.make_user(name)[0] for name in names]
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for name in names:
            page = browser.new_context(permissions=["camera", "microphone"]).new_page()
            page.add_init_script(LOW_RESOLUTION)
            page.set_default_timeout(120_000)
            log_in(page, server, name)
            pages.append(page)
        rows = []
        for people in sizes:
            with app.app_context():
                room_id = meetings.create_meeting(ids[0], f"Bench {people}").room_id
            rows.append((people, *measure(server, pages, room_id, people, runs)))
            print(f"{mode} {people} people: {rows[-1][1:]}", flush=True)  # in case a long run is cut short
        browser.close()
        server.stop()
        if janus:
            janus.stop()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--people", default="2,4,8", help="room sizes, after the newcomer joins")
    parser.add_argument("--modes", default="mesh,sfu")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sizes = [int(n) for n in args.people.split(",")]
    results = {mode: run(mode, args.runs, sizes) for mode in args.modes.split(",")}
    print(f"\nJoin to first remote video frame, loopback, 320x240 fake cameras, {args.runs} joins each\n")
    print(
        "| mode | people after joining | joined: median ms | first remote frame: median ms | max ms "
        "| every remote video: median ms | max ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for mode, rows in results.items():
        for people, samples, _ in rows:
            first, every, answered = ([s[i] for s in samples] for i in range(3))
            print(
                f"| {mode} | {people} | {statistics.median(answered):.0f} | {statistics.median(first):.0f} "
                f"| {max(first):.0f} | {statistics.median(every):.0f} | {max(every):.0f} |"
            )
    print("\nOne person's upload (getStats, bytes sent over 5 s) after the joins\n")
    print("| mode | people | connections carrying its media | upload kbit/s |")
    print("|---|---|---|---|")
    for mode, rows in results.items():
        for people, _, (kbits, connections) in rows:
            print(f"| {mode} | {people} | {connections} | {kbits:.0f} |")


if __name__ == "__main__":
    main()
