"""Search with 10,000 people and 1,000,000 posts, on SQLite and PostgreSQL.

    cd bench && ../.venv/bin/python search_bench.py [--posts 1000000] [--users 10000] [--fresh] [--drop]

The data is made by the code of `flask generate-data` (no likes: search does not read them), then one
post in 10,000 gets a rare word. Generating a million posts takes minutes, so the data is kept and
reused by the next run: SQLite in bench/results/search_bench.sqlite3, PostgreSQL in the database
socialapp_bench_search. --fresh makes them again; --drop removes them after the run. PostgreSQL is
skipped when it is not reachable.

Times the Posts tab (a common word, a rare one, two and three words, prefixes, no match, the second
page), the People and Hashtags tabs and the header's suggestions, as htmx fragments and as whole
pages, through the WSGI app as a logged-in person, 50 times each after 5 to warm up (enough for
psycopg to prepare the statements, as on a long-running server).
Prints a Markdown table of median and p95 server time (targets: posts under 30 ms, people under 10 ms).
"""

import argparse
import os
import re
import time

import sqlalchemy as sa
from common import POSTGRES_ADMIN, Progress, measure, postgres_reachable, print_table

from socialapp import create_app
from socialapp.cli_posts import generate_data
from socialapp.extensions import db
from socialapp.models import Post, User
from socialapp.services.sessions import start_session

HERE = os.path.dirname(os.path.abspath(__file__))
SQLITE_PATH = os.path.join(HERE, "results", "search_bench.sqlite3")
PG_NAME = "socialapp_bench_search"
RARE_WORD = "zeppelin"
RARE_EVERY = 10_000
HTMX = {"HX-Request": "true"}


def _database_url(backend, fresh):
    """The URL of the kept database of `backend`, emptied first when `fresh`."""
    if backend == "sqlite":
        os.makedirs(os.path.dirname(SQLITE_PATH), exist_ok=True)
        if fresh and os.path.exists(SQLITE_PATH):
            os.remove(SQLITE_PATH)
        return f"sqlite:///{SQLITE_PATH}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if fresh:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_NAME}):
            conn.execute(sa.text(f'CREATE DATABASE "{PG_NAME}"'))
    admin.dispose()
    return sa.make_url(POSTGRES_ADMIN).set(database=PG_NAME).render_as_string(hide_password=False)


def _drop(backend):
    if backend == "sqlite":
        os.remove(SQLITE_PATH)
        return
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    admin.dispose()


def prepare(args):
    """Generate the data unless a complete earlier run left it; returns the id of the searching person."""
    viewer = db.session.scalar(sa.select(User.id).where(User.username == "gen1"))
    posts = db.session.scalar(sa.select(sa.func.count()).select_from(Post))
    if viewer and posts >= args.posts:
        print(f"  reusing {posts:,} posts", flush=True)
        return viewer
    if viewer or posts:
        raise SystemExit("The kept database holds an unfinished run: start again with --fresh.")
    started = time.perf_counter()
    ids = generate_data(Progress, args.users, args.posts, likes=0)
    # The generator's vocabulary is 47 everyday words; a rare word needs adding. Through UPDATE, so
    # the index follows the edit as it would for a person editing a post.
    first = db.session.scalar(sa.select(sa.func.min(Post.id)))
    db.session.execute(
        sa.update(Post)
        .where((Post.id - first) % RARE_EVERY == 0)
        .values(body=Post.body + f" {RARE_WORD.capitalize()} over the city.")
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    return ids[0]


def _second_page(client):
    html = client.get("/search?tab=posts&q=coffee", headers=HTMX).get_data(as_text=True)
    return re.search(r"cursor=([0-9.]+)", html).group(1)


def run(backend, args):
    from flask_migrate import upgrade

    url = _database_url(backend, args.fresh)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        print(f"{backend}:", flush=True)
        viewer_id = prepare(args)
        if args.prepare_only:
            return []
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = start_session(db.session.get(User, viewer_id)).get_id()
        post = 'class="post"'
        checks = {
            "posts, common word 'coffee'": ("/search?tab=posts&q=coffee", HTMX, post),
            f"posts, rare word '{RARE_WORD}'": (f"/search?tab=posts&q={RARE_WORD}", HTMX, post),
            "posts, two words 'coffee morning'": ("/search?tab=posts&q=coffee+morning", HTMX, post),
            "posts, three words 'coffee morning train'": ("/search?tab=posts&q=coffee+morning+train", HTMX, post),
            "posts, prefix 'mou'": ("/search?tab=posts&q=mou", HTMX, post),
            "posts, prefix 'mounta'": ("/search?tab=posts&q=mounta", HTMX, post),
            "posts, no match 'qwzx'": ("/search?tab=posts&q=qwzx", HTMX, ""),
            "posts, page 2 'coffee'": (f"/search?tab=posts&q=coffee&cursor={_second_page(client)}", HTMX, post),
            "posts, whole page 'coffee'": ("/search?q=coffee", None, post),
            "people 'gen12'": ("/search?tab=people&q=gen12", HTMX, 'class="person row"'),
            "people, whole page 'gen12'": ("/search?tab=people&q=gen12", None, 'class="person row"'),
            "hashtags 'topic'": ("/search?tab=tags&q=topic", HTMX, "#topic"),
            "header suggestions 'gen12'": ("/search/suggestions?q=gen12", HTMX, "@gen12"),
            "header suggestions 'topic'": ("/search/suggestions?q=topic", HTMX, "#topic"),
        }
        rows = [
            (backend, what, *measure(client, path, headers, expect)) for what, (path, headers, expect) in checks.items()
        ]
        db.session.remove()
        db.engine.dispose()
    if args.drop:
        _drop(backend)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--drop", action="store_true", help="remove the data after the run")
    parser.add_argument("--prepare-only", action="store_true", help="make the data, time nothing")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    rows = []
    if args.backend in ("sqlite", "both"):
        rows += run("sqlite", args)
    if args.backend in ("postgresql", "both"):
        if postgres_reachable():
            rows += run("postgresql", args)
        else:
            print("PostgreSQL is not reachable: skipped")
    print_table("Search (server time through the WSGI app)", rows)


if __name__ == "__main__":
    main()
