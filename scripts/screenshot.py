"""Take docs/screenshot.png: a profile page of a fresh instance, in Chromium.

.venv/bin/python scripts/screenshot.py
"""

import os
import sys
import tempfile
import threading

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from socialapp import create_app  # noqa: E402
from socialapp.extensions import db  # noqa: E402
from socialapp.services import profiles  # noqa: E402
from tests.support.factories import PASSWORD, make_user  # noqa: E402
from tests.support.pictures import picture_bytes, upload  # noqa: E402


def main():
    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/shot.sqlite3",
            "MEDIA_ROOT": f"{folder}/media",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        ada = make_user("ada", first_name="Ada", last_name="Lovelace")
        profiles.update_profile(
            ada,
            bio="Writing the first programs for an engine that does not exist yet.",
            about="Mathematician. Translator of Menabrea. Believer in poetical science.",
            country="GB",
            website="https://ada.example",
            github="https://github.com/ada",
        )
        stream, name = upload(picture_bytes("PNG", size=(400, 400), color=(70, 110, 180)), "ada.png")
        from werkzeug.datastructures import FileStorage

        profiles.set_picture(ada, FileStorage(stream=stream, filename=name))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(url + "/login")
        page.get_by_label("Username or email").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(url + "/u/ada")
        page.screenshot(path="docs/screenshot.png")
        browser.close()
    server.shutdown()
    print("Wrote docs/screenshot.png")


if __name__ == "__main__":
    main()
