"""Server CPU of the pages every visit asks for: the home page, the feed's next page, the bell and the badge.

    .venv/bin/python bench/page_cpu_bench.py [--posts 1000000] [--users 10000] [--likes 1000000] [--runs 300]
        [--backend sqlite|postgresql]

Generates a network with the code of `flask generate-data` (10,000 people who each follow 100-200 others,
1,000,000 posts) into a fresh database, gives the viewer some unread notifications and chat messages, then
asks each page `--runs` times through the WSGI app in this process. Each request's CPU time is the thread
time (time.thread_time) spent inside the app, from the WSGI call to the last byte of the body, so it does
not count the test client, other processes or waiting on the database server. Prints the median and p95
per page, then a cProfile of each page grouped by what the time went to. Generating 1,000,000 posts takes
about 3 minutes on SQLite, the measuring about 1; the feed's cost does not depend on the data's depth, so
`--posts 50000` is enough while iterating.

The profile is timed by the thread's CPU clock, so a busy machine changes it less than a wall clock
would; its Python function calls per request do not depend on the load at all. The grouping: each
function's own time (cProfile's tottime) is charged to the group of the functions that
called it, weighted by the time of each call edge. The nav counters and suggestions groups hold everything
under `chat.unread_total`, `notification_groups.unread_count` and `social.suggestions_box`; below them,
the nearest of url_for, templates (jinja2 and the compiled templates), statement build/compile
(sqlalchemy.sql), ORM/engine (sqlalchemy.orm, .engine, .pool), SQL execution (the DB-API driver's calls)
takes the time; what none of these reaches is "other" (Flask, Werkzeug, flask-login, the app's code).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import time

from common import Progress, fresh_database, postgres_reachable

from socialapp import create_app
from socialapp.cli_posts import generate_data
from socialapp.extensions import db
from socialapp.models import Follow, Notification, User
from socialapp.services import chat
from socialapp.services.sessions import start_session

HTMX = {"HX-Request": "true"}
GROUPS = (
    "templates",
    "url_for",
    "statement build/compile",
    "ORM/engine",
    "SQL execution",
    "nav counters",
    "suggestions",
    "other",
)


class CpuMeter:
    """WSGI middleware keeping the thread CPU time of each request, body included; with a `profiler`, the
    request runs under it (and the test client does not)."""

    def __init__(self, app):
        self.app, self.samples, self.profiler = app, [], None

    def __call__(self, environ, start_response):
        if self.profiler:
            self.profiler.enable()
        start = time.thread_time()
        body = b"".join(self.app(environ, start_response))
        self.samples.append((time.thread_time() - start) * 1000)
        if self.profiler:
            self.profiler.disable()
        return [body]


def add_unread(viewer_id, others):
    """A few unread notifications and chat messages for the viewer, so the bell and badge count something."""
    for n, other in enumerate(others):
        db.session.add(Notification(recipient_id=viewer_id, actor_id=other, kind="follow"))
        if n < 3:
            chat.send_message(db.session.get(User, other), db.session.get(User, viewer_id), f"hello {n}")
    db.session.commit()


def pages(client):
    html = client.get("/").get_data(as_text=True)
    more = html.split('class="more-posts" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    return {
        "home page (20 posts)": ("/", None, 'class="post"'),
        "feed fragment (next 20 posts)": (more, HTMX, 'class="post"'),
        "bell (GET /notifications/bell)": ("/notifications/bell", HTMX, 'id="bell"'),
        "badge (GET /chat/badge)": ("/chat/badge", HTMX, 'id="chat-badge"'),
    }


def cpu_times(client, meter, path, headers, expect, runs):
    for _ in range(10):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert expect in response.get_data(as_text=True), path
    del meter.samples[:]
    for _ in range(runs):
        client.get(path, headers=headers)
    samples = sorted(meter.samples)
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


GROUP_OF_ROOT = {
    "services/chat.py:unread_total": "nav counters",
    "services/notification_groups.py:unread_count": "nav counters",
    "services/social.py:suggestions_box": "suggestions",
}
FEATURES = {"nav counters", "suggestions"}


def kind_of(func):
    """The group a function's own time goes to by what it is, or None for "as its caller"."""
    path, _, name = func
    path = path.replace("\\", "/")
    if name == "url_for" and ("flask/" in path or "werkzeug/" in path):
        return "url_for"
    if path.endswith(".html") or "/jinja2/" in path or "/markupsafe/" in path:
        return "templates"
    if "/sqlalchemy/sql/" in path:
        return "statement build/compile"
    if "/sqlalchemy/" in path or "/flask_sqlalchemy/" in path:
        return "ORM/engine"
    if path == "~" and ("sqlite3.Cursor" in name or "sqlite3.Connection" in name or "psycopg" in name):
        return "SQL execution"
    if "/psycopg/" in path and ("cursor" in path or "execute" in name or "fetch" in name):
        return "SQL execution"
    return None


def root_group(func):
    path, _, name = func
    for suffix, group in GROUP_OF_ROOT.items():
        where, function = suffix.split(":")
        if path.replace("\\", "/").endswith(where) and name == function:
            return group
    return None


def grouped(stats):
    """{group: ms} from pstats' raw stats, by the rule in the module's docstring."""
    raw = stats.stats
    shares = {}
    for _ in range(30):  # to a fixed point: call graphs have cycles
        for func, (_cc, _nc, _tt, _ct, callers) in raw.items():
            root = root_group(func)
            if root:
                shares[func] = {root: 1.0}
                continue
            inherited, weight = {}, 0.0
            for caller, edge in callers.items():
                edge_time = edge[3] or 1e-9
                for group, share in shares.get(caller, {"other": 1.0}).items():
                    inherited[group] = inherited.get(group, 0.0) + share * edge_time
                weight += edge_time
            inherited = {g: s / weight for g, s in inherited.items()} if weight else {"other": 1.0}
            kind = kind_of(func)
            if kind:
                features = {g: s for g, s in inherited.items() if g in FEATURES}
                rest = 1.0 - sum(features.values())
                inherited = {**features, kind: features.get(kind, 0.0) + rest} if rest > 0 else features
            shares[func] = inherited
    totals = dict.fromkeys(GROUPS, 0.0)
    for func, (_cc, _nc, tt, _ct, _callers) in raw.items():
        for group, share in shares[func].items():
            totals[group] += tt * share * 1000
    return totals


def profile(client, meter, path, headers, runs):
    """({group: ms per request}, function calls per request, pstats) of `runs` requests under cProfile."""
    meter.profiler = cProfile.Profile(time.thread_time)  # CPU time: waiting for a core is not counted
    for _ in range(runs):
        client.get(path, headers=headers)
    stats = pstats.Stats(meter.profiler)
    meter.profiler = None
    return {group: ms / runs for group, ms in grouped(stats).items()}, stats.total_calls / runs, stats


def run(backend, args):
    with fresh_database(backend, "socialapp_bench_page_cpu") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            started = time.perf_counter()
            ids = generate_data(Progress, args.users, args.posts, args.likes)
            print(f"{backend}: generated in {time.perf_counter() - started:.0f} s", flush=True)
            viewer = db.session.get(User, ids[len(ids) // 2])
            followed = db.session.scalars(select_followed(viewer.id)).all()
            add_unread(viewer.id, followed[:6])
            session_id = start_session(viewer).get_id()
            db.session.remove()
        meter = CpuMeter(app.wsgi_app)
        app.wsgi_app = meter
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        rows = []
        for what, (path, headers, expect) in pages(client).items():
            rows.append((backend, what, *cpu_times(client, meter, path, headers, expect, args.runs)))
        profiles = {}
        for what, (path, headers, _expect) in pages(client).items():
            profiles[what] = profile(client, meter, path, headers, max(args.runs // 3, 20))
        if args.stats:
            profiles["home page (20 posts)"][2].sort_stats("tottime").print_stats(40)
        return rows, profiles


def select_followed(viewer_id):
    from sqlalchemy import select

    return select(Follow.followed_id).where(Follow.follower_id == viewer_id).order_by(Follow.followed_id)


def print_results(rows, profiles_by_backend):
    print("\n| backend | request | median ms CPU | p95 ms CPU |")
    print("|---|---|---|---|")
    for backend, what, median, p95 in rows:
        print(f"| {backend} | {what} | {median:.2f} | {p95:.2f} |")
    for backend, profiles in profiles_by_backend:
        names = list(profiles)
        print(f"\n{backend}: cProfile, CPU ms per request (profiling slows everything; compare the shares)\n")
        print("| group | " + " | ".join(names) + " |")
        print("|---" * (len(names) + 1) + "|")
        print("| Python function calls | " + " | ".join(f"{profiles[n][1]:,.0f}" for n in names) + " |")
        totals = {name: sum(profiles[name][0].values()) for name in names}
        for group in GROUPS:
            cells = [f"{profiles[n][0][group]:.2f} ({profiles[n][0][group] / totals[n]:.0%})" for n in names]
            print(f"| {group} | " + " | ".join(cells) + " |")
        print("| total | " + " | ".join(f"{totals[n]:.2f}" for n in names) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--likes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--stats", action="store_true", help="also print the home page's top functions")
    args = parser.parse_args()
    if args.backend == "postgresql" and not postgres_reachable():
        raise SystemExit("PostgreSQL is not reachable")
    rows, profiles = run(args.backend, args)
    print_results(rows, [(args.backend, profiles)])
    print(f"\nload average (1, 5, 15 min) at the end: {' '.join(str(n) for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
