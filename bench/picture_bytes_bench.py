"""Bytes of pictures a phone and a desktop download for a page of the home feed, before and after sizes.

    .venv/bin/python bench/picture_bytes_bench.py [--runs 3]

Builds a site with one person and 20 posts of 1 to 4 pictures (48 pictures: phone photos 4032x3024 either
way up, 3000x1000 panoramas and 1080x1080 squares, made with Pillow as colour noise at every scale, so
that they compress about as photographs do), served on a loopback port, twice: "before", stored as the app stored post
pictures until now (a 400 px square JPEG shown in the feed, and a 1600 px one behind the link; the page
shows such pictures the same way today), and "after", stored through `posts.create_post` (WebP at the
widths of `services/pictures.WIDTHS`, chosen by the browser from srcset and sizes). Chromium opens the
home feed in a fresh context at phone size (390x844, device scale factor 3) and desktop size (1280x800),
scrolls to its end so that every lazy picture loads, and sums, through the DevTools protocol, the bytes
received for post pictures (/media/ responses). Prints a Markdown table of medians over the runs.
"""

import argparse
import contextlib
import io
import logging
import os
import random
import statistics
import tempfile
import threading

from demo_site import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, log_in
from PIL import Image, ImageMath
from playwright.sync_api import sync_playwright
from werkzeug.datastructures import FileStorage

SIZES = {"phone": PHONE, "desktop": DESKTOP}
SHAPES = [(4032, 3024), (3024, 4032), (3000, 1000), (1080, 1080)]
COUNTS = [1, 2, 3, 4, 2]  # pictures in each post, in turn: 48 pictures in 20 posts
POSTS = 20
OLD_VARIANTS = {"large": (1600, 1600, False), "thumb": (400, 400, True)}


def photo_like(size, seed):
    """A JPEG as a phone would send: colour noise at every scale, stronger at the coarse ones (as in
    photographs, whose detail falls off with its fineness), so it compresses about as a photo does (a
    4032x3024 one is 2.5 MB; its 1080 px WebP about 130 KB). Made at half size and doubled, for speed."""
    random.seed(seed)
    half = (size[0] // 2, size[1] // 2)
    channels = []
    for _ in range(3):
        total = Image.new("F", half, 128.0)
        octave = 4
        while octave <= max(half):
            small = (max(1, half[0] * octave // max(half)), max(1, half[1] * octave // max(half)))
            scale = 55 * (octave / 4) ** -0.4 / 64
            layer = Image.effect_noise(small, 64).convert("F").resize(half, Image.Resampling.BICUBIC)
            total = ImageMath.lambda_eval(lambda a, k=scale: a["t"] + (a["l"] - 128) * k, t=total, l=layer)
            octave *= 2
        channels.append(total.convert("L"))
    image = Image.merge("RGB", channels).resize(size, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@contextlib.contextmanager
def feed_site(kind):
    """Yields (url, username): a site whose one person has POSTS posts with pictures stored as `kind` says."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash
    from werkzeug.serving import make_server

    from socialapp import create_app
    from socialapp.extensions import db
    from socialapp.models import Post, PostImage, User
    from socialapp.models.base import utcnow
    from socialapp.services import images, posts
    from socialapp.services.demo import DEMO_PASSWORD

    sources = {shape: photo_like(shape, n) for n, shape in enumerate(SHAPES)}
    with tempfile.TemporaryDirectory() as folder:
        config = {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/pictures.sqlite3",
            "MEDIA_ROOT": os.path.join(folder, "media"),
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = create_app(config)
        with app.app_context():
            upgrade()
            ada = User(
                username="ada",
                email="ada@example.com",
                first_name="Ada",
                last_name="Lovelace",
                password_hash=generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000"),
                email_verified_at=utcnow(),
            )
            db.session.add(ada)
            db.session.commit()
            shape = 0
            for n in range(POSTS):
                count = COUNTS[n % len(COUNTS)]
                files = []
                for _ in range(count):
                    files.append(FileStorage(io.BytesIO(sources[SHAPES[shape % len(SHAPES)]]), "photo.jpg"))
                    shape += 1
                if kind == "after":
                    posts.create_post(ada, f"Post {n + 1}", files)
                    continue
                post = Post(author_id=ada.id, body=f"Post {n + 1}")
                db.session.add(post)
                db.session.flush()
                for position, data in enumerate(files):
                    key = images.store_image(data, ada.id, OLD_VARIANTS)
                    db.session.add(PostImage(post_id=post.id, key=key, position=position))
                db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", "ada"
        finally:
            server.shutdown()
            thread.join(5)
            with app.app_context():
                db.engine.dispose()


def picture_bytes_of_feed(browser, cookies, url, options):
    """(bytes, files) of post pictures received while the home feed is opened and scrolled to its end."""
    context = browser.new_context(storage_state=cookies, **options)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    media, received = set(), {}
    cdp.on("Network.requestWillBeSent", lambda e: "/media/" in e["request"]["url"] and media.add(e["requestId"]))
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.send("Network.enable")
    page.goto(url + "/")
    for _ in range(60):  # down the page a screen at a time, as a reader would, until its end
        at_end = page.evaluate("window.scrollY + innerHeight >= document.documentElement.scrollHeight - 2")
        page.mouse.wheel(0, page.viewport_size["height"])
        page.wait_for_timeout(150)
        if at_end:
            break
    page.wait_for_load_state("networkidle")
    page.wait_for_function("[...document.querySelectorAll('.post-images img')].every(img => img.complete)")
    page.wait_for_timeout(300)
    total = sum(size for request, size in received.items() if request in media)
    files = len(media & received.keys())
    context.close()
    return total, files


def run(runs):
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for kind in ("before", "after"):
            with feed_site(kind) as (url, username):
                login = browser.new_context()
                log_in(login, url, username)
                cookies = {"cookies": login.cookies(), "origins": []}
                login.close()
                for size, options in SIZES.items():
                    samples = [picture_bytes_of_feed(browser, cookies, url, options) for _ in range(runs)]
                    results[(kind, size)] = samples
        browser.close()
    return results


def print_table(results):
    print("\n| screen | before: files | before: kB | after: files | after: kB | after / before |")
    print("|---|---|---|---|---|---|")
    for size in SIZES:
        before = [statistics.median(column) for column in zip(*results[("before", size)], strict=True)]
        after = [statistics.median(column) for column in zip(*results[("after", size)], strict=True)]
        print(
            f"| {size} | {before[1]:.0f} | {before[0] / 1000:,.0f} | {after[1]:.0f} | {after[0] / 1000:,.0f} "
            f"| {after[0] / before[0]:.2f} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_table(run(args.runs))


if __name__ == "__main__":
    main()
