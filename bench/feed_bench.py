"""Home feed with 10,000 users, 1,000,000 posts and 5,000,000 likes, on SQLite and PostgreSQL.

    cd bench && ../.venv/bin/python feed_bench.py [--users 10000] [--posts 1000000] [--likes 5000000]

Generates the data with the code of `flask generate-data` into a fresh SQLite file and a fresh
PostgreSQL database (socialapp_bench_feed, dropped afterwards; skipped when PostgreSQL is not
reachable), then times the first page and page 500 of the feed of a user following 100-200 people.
Prints a Markdown table of median and p95 server time (target: under 15 ms).
"""

import argparse
import contextlib
import tempfile
import time

import sqlalchemy as sa
from common import POSTGRES_ADMIN, Progress, measure, postgres_reachable, print_table
from sqlalchemy import desc, literal, select, union_all

from socialapp import create_app
from socialapp.cli_posts import generate_data
from socialapp.extensions import db
from socialapp.models import Follow, Post, User
from socialapp.services import paging
from socialapp.services.feed import PAGE_SIZE
from socialapp.services.sessions import start_session

PG_NAME = "socialapp_bench_feed"
HTMX = {"HX-Request": "true"}


@contextlib.contextmanager
def database(backend):
    """A migrated, empty database of the backend, removed afterwards."""
    from flask_migrate import upgrade

    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/feed_bench.sqlite3"
        else:
            admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{PG_NAME}"'))
            stack.callback(admin.dispose)
            stack.callback(
                lambda: admin.connect().execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
            )
            url = admin.url.set(database=PG_NAME).render_as_string(hide_password=False)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            upgrade()
        yield app


def cursor_for_page(viewer_id, page):
    """The cursor that opens page `page` of the viewer's feed, found with an OFFSET once."""
    authors = union_all(select(Follow.followed_id).where(Follow.follower_id == viewer_id), select(literal(viewer_id)))
    row = db.session.execute(
        select(Post.created_at, Post.id)
        .where(Post.author_id.in_(authors))
        .order_by(desc(Post.created_at), desc(Post.id))
        .offset((page - 1) * PAGE_SIZE - 1)
        .limit(1)
    ).one()
    return paging.encode(*row)


def run(backend, args):
    with database(backend) as app, app.app_context():
        started = time.perf_counter()
        ids = generate_data(Progress, args.users, args.posts, args.likes)
        print(f"{backend}: generated in {time.perf_counter() - started:.0f} s", flush=True)
        viewer = db.session.get(User, ids[len(ids) // 2])
        cursor = cursor_for_page(viewer.id, 500)
        print(f"  viewer follows {viewer.following_count} people", flush=True)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = start_session(viewer).get_id()
        page_500 = client.get(f"/feed?cursor={cursor}", headers=HTMX).get_data(as_text=True)
        assert page_500.count('class="post"') == PAGE_SIZE, "page 500 is not a full page"
        pages = {
            "feed, page 1 (htmx fragment)": ("/feed", HTMX),
            "feed, page 500 (htmx fragment)": (f"/feed?cursor={cursor}", HTMX),
            "home page with feed, page 1": ("/", None),
            "home page with feed, page 500": (f"/?cursor={cursor}", None),
        }
        return [(backend, what, *measure(client, path, headers)) for what, (path, headers) in pages.items()]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--likes", type=int, default=5_000_000)
    args = parser.parse_args()
    rows = run("sqlite", args)
    if postgres_reachable():
        rows += run("postgresql", args)
    else:
        print("PostgreSQL is not reachable: skipped")
    print_table("Home feed (server time through the WSGI app)", rows)


if __name__ == "__main__":
    main()
