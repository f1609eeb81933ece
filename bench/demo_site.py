"""The app with the demo network (`flask seed-demo`), served on a free loopback port for Chromium.

Shared by bench/pages_bench.py and scripts/screenshot.py.
"""

import contextlib
import logging
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# Set once the page's socket is registered for pushes (app.js turns the server's "ready" into `live:ready`).
LIVE_READY_SCRIPT = "document.addEventListener('live:ready', () => { window.liveReady = true; });"


@contextlib.contextmanager
def demo_site():
    """Yields (url, viewer, partner, room_id): the server's address, the demo's first person, someone they
    chat with, and a meeting the viewer created."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from socialapp import create_app
    from socialapp.extensions import db
    from socialapp.models.chat import ConversationMember
    from socialapp.services import demo, meetings

    with tempfile.TemporaryDirectory() as folder:
        config = {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite3",
            "MEDIA_ROOT": os.path.join(folder, "media"),
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = create_app(config)
        with app.app_context():
            upgrade()
            users = demo.seed_demo()
            viewer = users[0]
            member = db.session.query(ConversationMember).filter_by(user_id=viewer.id).first()
            partner = db.session.get(type(viewer), member.other_user_id)
            room_id = meetings.create_meeting(viewer.id, "Design review").room_id
            viewer_name, partner_name = viewer.username, partner.username
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", viewer_name, partner_name, room_id
        finally:
            server.shutdown()
            thread.join(5)
            with app.app_context():
                db.engine.dispose()


def log_in(context, url, username):
    """Log `context` in through the real form, with the demo password."""
    from socialapp.services.demo import DEMO_PASSWORD

    page = context.new_page()
    page.goto(url + "/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda address: "/login" not in address)
    page.close()


def wait_until_settled(page):
    """Until the network is idle and, on pages with a socket, the socket is ready for pushes."""
    page.wait_for_load_state("networkidle")
    if page.locator("#live").count():
        page.wait_for_function("window.liveReady === true")
