"""Load test: many people using the site at once, through gunicorn, PostgreSQL and Redis, driven by Locust.

    .venv/bin/python bench/load_test.py [--users 500] [--spawn-rate 50] [--time 5m] [--accounts 1000]
        [--workers 4] [--follows 50] [--posts 20] [--wait 5,15] [--redis-db 14] [--no-websocket] [--no-profile]
        [--out bench/results/load]

1. Creates a fresh PostgreSQL database (socialapp_load), migrates it, and bulk-inserts `--accounts`
   verified people (password hashes made cheap on purpose, see below), each following `--follows` others
   and with `--posts` posts over the past month, some carrying #hashtags and @mentions, with likes.
2. Starts gunicorn with the repository's gunicorn.conf.py, WEB_CONCURRENCY=`--workers`, that database,
   and REDIS_URL=redis://127.0.0.1:6379/`--redis-db` (emptied first: keep that number spare).
   RATELIMIT_ENABLED=0 is set for this server only: every simulated person logs in from 127.0.0.1, which
   the account rate limits would (rightly) refuse after a few attempts.
3. Runs `locust --headless -u USERS -r SPAWN_RATE -t TIME` with bench/load/locustfile.py: each Locust user
   logs in to its own account, holds a WebSocket to /ws as an open tab does, and browses the home feed and
   older pages, opens profiles and posts, likes and unlikes, comments, posts, searches people, and chats.
4. Prints throughput, latency percentiles per kind of request and errors as a Markdown table, with the
   CPU time each part used and the machine's load average; Locust's CSV files stay in `--out`. Then stops
   gunicorn and drops the database.
5. Unless --no-profile, gunicorn runs with bench/load/gunicorn_profile.py (the repository's settings plus
   hooks): a second table gives, per kind of request, the server's CPU time, wall time, SQL statements and
   SQL time, and a third the SQL statements that took the most time in all.

Password hashes use pbkdf2 with 1,000 rounds instead of the app's default (scrypt, tens of ms of CPU per
login), so that the ramp-up measures the site rather than 500 password checks at once; a real login costs
more. Only loopback addresses are used, and Locust stops after `--time`.
"""

import argparse
import contextlib
import csv
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta

from common import USER_DEFAULTS, fresh_database, postgres_reachable
from sqlalchemy import create_engine, insert, text
from werkzeug.security import generate_password_hash

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCUSTFILE = os.path.join(ROOT, "bench", "load", "locustfile.py")
PROFILE_CONFIG = os.path.join(ROOT, "bench", "load", "gunicorn_profile.py")
ACCOUNT_PREFIX = "loaduser"
PASSWORD = "load test password 1"
DATABASE = "socialapp_load"
FIRST_NAMES = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Barbara",
    "Margaret",
    "Dennis",
    "Radia",
    "Edsger",
    "Katherine",
    "Tim",
    "Frances",
    "Ken",
    "Donald",
]
LAST_NAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Liskov",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Dijkstra",
    "Johnson",
    "Knuth",
    "Allen",
]
TAGS = ["python", "flask", "htmx", "music", "travel", "photography", "coffee", "books", "running", "cooking"]
COLUMNS = re.compile(r"SELECT (?:(?!SELECT |FROM ).)+ FROM")


def _user_rows(args, rng, now, follows):
    password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    followers = {}
    for _, followed in follows:
        followers[followed] = followers.get(followed, 0) + 1
    return [
        {
            **USER_DEFAULTS,
            "id": i,
            "username": f"{ACCOUNT_PREFIX}{i}",
            "email": f"{ACCOUNT_PREFIX}{i}@example.com",
            "password_hash": password,
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "created_at": now - timedelta(days=60),
            "email_verified_at": now - timedelta(days=60),
            "followers_count": followers.get(i, 0),
            "following_count": args.follows,
        }
        for i in range(1, args.accounts + 1)
    ]


def _post_body(rng, accounts):
    words = ["A thought about", rng.choice(TAGS), "today."]
    if rng.random() < 0.4:
        words.append(f"#{rng.choice(TAGS)}")
    if rng.random() < 0.2:
        words.append(f"@{ACCOUNT_PREFIX}{rng.randint(1, accounts)}")
    return " ".join(words)


def populate(url, args):
    """Bulk-insert people, follows, posts (with hashtags) and likes, counters included."""
    from socialapp.models import Follow, Like, Post, PostHashtag, User
    from socialapp.models.base import utcnow
    from socialapp.services.text import hashtags

    rng = random.Random(7)
    now = utcnow()
    ids = range(1, args.accounts + 1)
    follows = [(i, other) for i in ids for other in rng.sample([j for j in ids if j != i], k=args.follows)]
    posts, tags, likes = [], [], []
    for author in ids:
        for _ in range(args.posts):
            post_id = len(posts) + 1
            body = _post_body(rng, args.accounts)
            likers = rng.sample(ids, k=rng.randint(0, 8))
            created = now - timedelta(minutes=rng.uniform(10, 30 * 24 * 60))
            posts.append(
                {"id": post_id, "author_id": author, "body": body, "created_at": created, "likes_count": len(likers)}
            )
            tags += [{"tag": tag, "post_id": post_id} for tag in hashtags(body)]
            likes += [{"post_id": post_id, "user_id": u, "created_at": created + timedelta(minutes=5)} for u in likers]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(User), _user_rows(args, rng, now, follows))
        rows = [{"follower_id": a, "followed_id": b, "created_at": now - timedelta(days=30)} for a, b in follows]
        conn.execute(insert(Follow), rows)
        conn.execute(insert(Post), [{**post, "comments_count": 0} for post in posts])
        conn.execute(insert(PostHashtag), tags)
        conn.execute(insert(Like), likes)
        for table in ("users", "posts"):
            conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return len(follows), len(posts), len(likes)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args, url, redis_url, port, media):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_hex(16),
        "RATELIMIT_ENABLED": "0",  # the load test only: every simulated person logs in from 127.0.0.1
        "LOG_LEVEL": "WARNING",
        "SOCIALAPP_ENV": "development",
        "MEDIA_ROOT": media,
        "MAIL_OUTBOX": os.path.join(media, "outbox"),
        "WEB_CONCURRENCY": str(args.workers),
        "BIND": f"127.0.0.1:{port}",
    }
    if args.profile:
        env["LOAD_PROFILE_DIR"] = os.path.join(media, "profile")
        os.makedirs(env["LOAD_PROFILE_DIR"])
    config = PROFILE_CONFIG if args.profile else os.path.join(ROOT, "gunicorn.conf.py")
    command = [os.path.join(ROOT, ".venv/bin/gunicorn"), "--config", config]
    command += ["--log-level", "warning", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    health = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=2) as response:
            if response.status == 200:
                return process
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def run_locust(args, port, prefix):
    env = {
        **os.environ,
        "LOAD_ACCOUNT_PREFIX": ACCOUNT_PREFIX,
        "LOAD_ACCOUNTS": str(args.accounts),
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_WEBSOCKET": "0" if args.no_websocket else "1",
        "LOAD_WAIT": args.wait,
    }
    command = [os.path.join(ROOT, ".venv/bin/locust"), "-f", LOCUSTFILE, "--headless", "--only-summary"]
    command += ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time, "--stop-timeout", "10"]
    command += ["--reset-stats"]  # the tables describe the steady state; arrivals are tallied apart
    command += ["--host", f"http://127.0.0.1:{port}", "--csv", prefix, "--loglevel", "WARNING"]
    print("$", " ".join(command[1:]), file=sys.stderr)
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def cpu_seconds(pids):
    """User + system CPU seconds used so far by these processes and their children that were waited for."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15]) / ticks
    return total


def process_group(pgid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[3]) == pgid:
                    found.append(int(entry))
    return found


def database_backends(name):
    """PostgreSQL's server processes for database `name` (their titles name it)."""
    found = []
    for entry in os.listdir("/proc"):
        title = b""
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/cmdline", "rb") as fh:
                title = fh.read()
            if title.startswith(b"postgres: ") and f" {name} ".encode() in title:
                found.append(int(entry))
    return found


def read_stats(prefix):
    with open(f"{prefix}_stats.csv") as fh:
        rows = list(csv.DictReader(fh))
    failures = []
    if os.path.exists(f"{prefix}_failures.csv"):
        with open(f"{prefix}_failures.csv") as fh:
            failures = list(csv.DictReader(fh))
    return rows, failures


class Sampler:
    """Every second in the background: the one-minute load average (how busy the whole box was), and the CPU
    time of each PostgreSQL process serving this database, kept after the process ends (the pool closes
    and opens connections), so short-lived ones count from their first sample on."""

    def __init__(self, database):
        self.database = database
        self.load = []
        self.backend_cpu = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.wait(1):
            self.load.append(os.getloadavg()[0])
            for pid in database_backends(self.database):
                self.backend_cpu[pid] = cpu_seconds([pid]) or self.backend_cpu.get(pid, 0.0)

    def stop(self):
        self.done.set()
        self.thread.join()

    def mean_load(self):
        return sum(self.load) / len(self.load) if self.load else os.getloadavg()[0]


def database_activity(url):
    """Sessions opened and transactions committed in this database so far (pg_stat_database)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = current_database()")
        ).one()
    engine.dispose()
    return row


def report(args, prefix, seconds, cpu, load, activity):
    rows, failures = read_stats(prefix)
    print(f"\nLoad test: {args.users} users (spawn {args.spawn_rate}/s) for {args.time}, {args.workers} workers\n")
    print("| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Type"], r["Name"])):
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} "
            f"| {row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
    report_arrivals(prefix)
    if failures:
        print("\n| errors | request | count |\n|---|---|---|")
        for failure in failures:
            print(f"| {failure['Error'][:120]} | {failure['Method']} {failure['Name']} | {failure['Occurrences']} |")
    share = ", ".join(f"{name} {used / seconds:.2f}" for name, used in cpu.items())
    print(f"\nCPU cores used on average over {seconds:.0f} s: {share} (of {os.cpu_count()}).")
    print(f"Load average during the run: {load:.1f} (everything on the machine, not only this test).")
    print(f"PostgreSQL: {activity[0]} sessions opened and {activity[1]} transactions committed during the run.")


def report_arrivals(prefix):
    """While people were still arriving: logging in and opening sockets at the spawn rate."""
    if not os.path.exists(f"{prefix}_arrivals.json"):
        return
    with open(f"{prefix}_arrivals.json") as fh:
        tallies = json.load(fh)
    print("\nWhile people were arriving (before the statistics above were reset)\n")
    print("| request | count | failures | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for name, (times, failures) in sorted(tallies.items()):
        times.sort()
        p50, p95 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"| {name} | {len(times)} | {failures} | {p50:.0f} | {p95:.0f} | {times[-1]:.0f} |")


def report_profile(folder):
    """Per kind of request: server CPU and wall time, SQL statements and their time; then the costliest SQL."""
    routes, statements = {}, {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name)) as fh:
            data = json.load(fh)
        for key, values in data["routes"].items():
            routes[key] = [a + b for a, b in zip(routes.get(key, [0] * 5), values, strict=True)]
        for key, values in data["statements"].items():
            statements[key] = [a + b for a, b in zip(statements.get(key, [0, 0]), values, strict=True)]
    print("\nServer side, per request (means): CPU of the request's thread, wall time, SQL statements, SQL time\n")
    print("| request | count | CPU ms | wall ms | statements | SQL ms |")
    print("|---|---|---|---|---|---|")
    for key, (count, cpu, wall, queries, sql) in sorted(routes.items(), key=lambda item: -item[1][1]):
        print(
            f"| {key} | {count} | {cpu / count * 1000:.1f} | {wall / count * 1000:.1f} | "
            f"{queries / count:.1f} | {sql / count * 1000:.1f} |"
        )
    print("\nSQL statements by total time\n")
    print("| statement | count | mean ms | total s |")
    print("|---|---|---|---|")
    for key, (count, total) in sorted(statements.items(), key=lambda item: -item[1][1])[:12]:
        short = COLUMNS.sub("SELECT … FROM", key).replace("|", "\\|")
        print(f"| `{short[:200]}` | {count} | {total / count * 1000:.2f} | {total:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500, help="simultaneous Locust users")
    parser.add_argument("--spawn-rate", type=float, default=50, help="users started per second")
    parser.add_argument("--time", default="5m", help="run time, as Locust takes it (30s, 5m)")
    parser.add_argument("--accounts", type=int, default=None, help="people in the database (default: 2 x users)")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count(),
        help="gunicorn workers (WEB_CONCURRENCY; default: as gunicorn.conf.py)",
    )
    parser.add_argument("--follows", type=int, default=50, help="people each person follows")
    parser.add_argument("--posts", type=int, default=20, help="posts per person")
    parser.add_argument("--wait", default="5,15", help="seconds a person waits between actions: min,max")
    parser.add_argument("--redis-db", type=int, default=14, help="a Redis database number nothing else uses")
    parser.add_argument("--no-websocket", action="store_true", help="do not hold a socket per user")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="plain gunicorn.conf.py only")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "load"), help="CSV folder")
    args = parser.parse_args()
    args.accounts = args.accounts or max(2 * args.users, args.follows + 1)
    if args.accounts < args.users:
        raise SystemExit("--accounts must be at least --users: each Locust user logs in to its own account")
    if not postgres_reachable():
        raise SystemExit("PostgreSQL is not reachable (BENCH_POSTGRES_URL)")
    import redis

    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    redis.Redis.from_url(redis_url).flushdb()
    os.makedirs(args.out, exist_ok=True)
    prefix = os.path.join(args.out, f"u{args.users}")
    media = tempfile.mkdtemp(prefix="socialapp_load_")
    with fresh_database("postgresql", name=DATABASE) as url:
        began = time.perf_counter()
        counts = populate(url, args)
        print(
            f"{args.accounts} people, {counts[0]} follows, {counts[1]} posts, {counts[2]} likes "
            f"in {time.perf_counter() - began:.1f} s",
            file=sys.stderr,
        )
        port = free_port()
        server = start_gunicorn(args, url, redis_url, port, media)
        try:
            server_pids = process_group(server.pid)
            start_cpu = cpu_seconds(server_pids)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            sessions_before, commits_before = database_activity(url)
            sampler = Sampler(DATABASE)
            started = time.perf_counter()
            locust_status = run_locust(args, port, prefix)
            seconds = time.perf_counter() - started
            sampler.stop()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            sessions, commits = database_activity(url)
            cpu = {
                "gunicorn": cpu_seconds(process_group(server.pid)) - start_cpu,
                "PostgreSQL (at least)": sum(sampler.backend_cpu.values()),
                "Locust": after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime,
            }
            activity = (sessions - sessions_before, commits - commits_before)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            redis.Redis.from_url(redis_url).flushdb()
    report(args, prefix, seconds, cpu, sampler.mean_load(), activity)
    if args.profile:
        report_profile(os.path.join(media, "profile"))
    shutil.rmtree(media, ignore_errors=True)
    print(f"\nLocust exit status {locust_status} (1 means some requests failed); CSV files: {prefix}_*.csv")


if __name__ == "__main__":
    main()
