"""Chat delivery: N messages a second among many connected users, on gunicorn workers with Redis.

    .venv/bin/python bench/chat_bench.py [--users 1000] [--rate 200] [--seconds 15] [--workers 2]

Starts gunicorn (the repository's gunicorn.conf.py, with --workers) on a free loopback port over a fresh
PostgreSQL database and a Redis database, opens one WebSocket per user, then posts messages between random
pairs through the real HTTP route at a steady rate. For every message it records when the sender's HTTP
response ended and when the fragment holding id="message-<id>" reached the recipient's socket.
Prints a Markdown table: delivery p50/p95/p99/max after the sender's response, the median from the start
of the send (what the sender's correspondent waits), messages lost (never arrived) and duplicated (the
same message arriving twice on one socket), both of which must be zero, and the gunicorn workers' CPU
time per 1,000 messages over the sending and the deliveries; with the load average, since the client,
PostgreSQL and Redis share the machine.
"""

import argparse
import asyncio
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

import h11
from common import USER_DEFAULTS, fresh_database, postgres_reachable
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, insert, select
from werkzeug.security import generate_password_hash
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MESSAGE_ID = re.compile(rb'id="message-(\d+)"')
SECRET = "chat-bench-" + secrets.token_hex(8)
WS_PATH = os.environ.get("BENCH_WS_PATH", "/ws")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def populate(url, users):
    """Create `users` verified users, each logged in once; return [(id, username, session_key)]."""
    from socialapp.models import User, UserSession
    from socialapp.models.base import utcnow

    engine = create_engine(url)
    password = generate_password_hash("bench password 1", method="pbkdf2:sha256:1000")
    now = utcnow()
    rows = [
        {
            "username": f"chatter{i}",
            "email": f"chatter{i}@example.com",
            "password_hash": password,
            "first_name": "Chat",
            "last_name": f"User{i}",
            "created_at": now,
            "email_verified_at": now,
            **USER_DEFAULTS,
            "followers_count": 0,
            "following_count": 0,
        }
        for i in range(users)
    ]
    with engine.begin() as conn:
        conn.execute(insert(User), rows)
        ids = conn.execute(select(User.id).order_by(User.id)).scalars().all()
        logins = [{"user_id": i, "key": secrets.token_urlsafe(24), "created_at": now} for i in ids]
        conn.execute(insert(UserSession), logins)
        found = conn.execute(select(User.id, User.username, UserSession.key).join(UserSession).order_by(User.id)).all()
    engine.dispose()
    return [tuple(row) for row in found]


def credentials(user_id, session_key):
    """A signed session cookie for the user, and the CSRF header that goes with it (as Flask-WTF makes them)."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("bench")
    app.secret_key = SECRET
    raw_csrf = secrets.token_hex(20)
    session = {"_user_id": f"{user_id}:{session_key}", "_fresh": True, "csrf_token": raw_csrf}
    cookie = SecureCookieSessionInterface().get_signing_serializer(app).dumps(session)
    csrf = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token").dumps(raw_csrf)
    return f"session={cookie}", csrf


class Socket:
    """One browser tab's WebSocket, recording when each message id first (and again) arrives."""

    def __init__(self, bench, user_id, cookie):
        self.bench, self.user_id, self.cookie = bench, user_id, cookie
        self.seen = set()
        self.open = asyncio.Event()

    async def run(self, host, port):
        reader, writer = await asyncio.open_connection(host, port)
        ws = WSConnection(ConnectionType.CLIENT)
        headers = [("Cookie", self.cookie), ("Origin", f"http://{host}:{port}")]
        writer.write(ws.send(Request(host=f"{host}:{port}", target=WS_PATH, extra_headers=headers)))
        buffer = []
        while not self.bench.done:
            data = await reader.read(65536)
            if not data:
                break
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    self.open.set()
                elif isinstance(event, TextMessage):
                    buffer.append(event.data)
                    if event.message_finished:
                        self.received("".join(buffer).encode())
                        buffer.clear()
                elif isinstance(event, Ping):
                    writer.write(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    self.bench.closed += 1
                    return
        writer.close()

    def received(self, payload):
        now = time.perf_counter()
        self.bench.last_frame_at = now
        self.bench.frames += 1
        for match in MESSAGE_ID.finditer(payload):
            message_id = int(match.group(1))
            if message_id in self.seen:
                self.bench.duplicates += 1
                continue
            self.seen.add(message_id)
            self.bench.arrived(self.user_id, message_id, now)


class HttpConnection:
    """A keep-alive HTTP/1.1 connection for posting messages."""

    def __init__(self, host, port):
        self.host, self.port = host, port

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.conn = h11.Connection(h11.CLIENT)

    async def post(self, path, body, headers):
        if self.conn.our_state is h11.MUST_CLOSE or self.conn.their_state is h11.MUST_CLOSE:
            await self.connect()
        elif self.conn.our_state is h11.DONE:
            self.conn.start_next_cycle()
        headers = [("Host", f"{self.host}:{self.port}"), ("Content-Length", str(len(body)))] + headers
        self.writer.write(self.conn.send(h11.Request(method="POST", target=path, headers=headers)))
        self.writer.write(self.conn.send(h11.Data(data=body)) + self.conn.send(h11.EndOfMessage()))
        status, chunks = None, []
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(await self.reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return status, b"".join(chunks)


class Bench:
    def __init__(self, users):
        self.users = users
        self.done = False
        self.closed = 0
        self.duplicates = 0
        self.expected = {}  # message id -> (recipient id, response ended at, request began at)
        self.arrivals = {}  # (user id, message id) -> arrival time
        self.failed_posts = 0
        self.post_times = []
        self.last_frame_at = time.perf_counter()
        self.frames = 0
        self.cpu_seconds = float("nan")

    def arrived(self, user_id, message_id, at):
        self.arrivals[(user_id, message_id)] = at

    def latencies(self):
        """Delivery times in ms after the sender's response ended, and after the send began; and how many
        messages never arrived."""
        found, from_start, lost = [], [], 0
        for message_id, (recipient, responded, began) in self.expected.items():
            at = self.arrivals.get((recipient, message_id))
            if at is None:
                lost += 1
            else:
                # The push may beat the end of the sender's own response: that counts as no delay.
                found.append(max(0.0, at - responded) * 1000)
                from_start.append((at - began) * 1000)
        return found, from_start, lost


async def post_message(bench, pool, sender, recipient_name, recipient_id, n):
    conn = await pool.get()
    try:
        body = f"body=bench+message+{n}".encode()
        headers = [
            ("Cookie", sender["cookie"]),
            ("X-CSRFToken", sender["csrf"]),
            ("HX-Request", "true"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]
        began = time.perf_counter()
        status, html = await conn.post(f"/chat/{recipient_name}/messages", body, headers)
        ended = time.perf_counter()
        bench.post_times.append((ended - began) * 1000)
        match = MESSAGE_ID.search(html)
        if status != 200 or not match:
            bench.failed_posts += 1
            return
        bench.expected[int(match.group(1))] = (recipient_id, ended, began)
    finally:
        pool.put_nowait(conn)


def worker_cpu_seconds(master_pid):
    """CPU time (user and system, every thread) the gunicorn workers of `master_pid` have used so far."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in children:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


async def drive(args, port, people, master_pid):
    bench = Bench(people)
    sockets = [Socket(bench, p["id"], p["cookie"]) for p in people]
    tasks = []
    for i, s in enumerate(sockets):
        tasks.append(asyncio.create_task(s.run("127.0.0.1", port)))
        if i % 10 == 9:
            await asyncio.sleep(0.05)  # a ramp of 200 a second, as real users arrive
    await asyncio.wait_for(asyncio.gather(*(s.open.wait() for s in sockets)), timeout=60)
    opened = time.perf_counter()
    print(f"{len(sockets)} sockets open", file=sys.stderr)
    # Everyone arriving at once makes a burst of "came online" pushes to everyone; the measurement is of
    # the steady state after it, so wait until the sockets have been quiet for a few seconds.
    while time.perf_counter() - bench.last_frame_at < args.quiet and time.perf_counter() - opened < args.settle:
        await asyncio.sleep(0.5)
    print(f"presence burst: {bench.frames} frames, quiet after {bench.last_frame_at - opened:.1f} s", file=sys.stderr)

    idle_from, idle_cpu = time.perf_counter(), worker_cpu_seconds(master_pid)
    await asyncio.sleep(2)
    idle = (worker_cpu_seconds(master_pid) - idle_cpu) / (time.perf_counter() - idle_from)
    print(f"workers' CPU with the sockets idle: {idle:.2f} s a second", file=sys.stderr)
    pool = asyncio.Queue()
    for _ in range(args.connections):
        conn = HttpConnection("127.0.0.1", port)
        await conn.connect()
        pool.put_nowait(conn)
    rng = random.Random(11)
    total = args.rate * args.seconds
    interval = 1 / args.rate
    cpu_before = worker_cpu_seconds(master_pid)
    start = time.perf_counter()
    posts = []
    for n in range(total):
        await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
        sender, recipient = rng.sample(people, 2)
        posts.append(asyncio.create_task(post_message(bench, pool, sender, recipient["name"], recipient["id"], n)))
    await asyncio.gather(*posts)
    sending_time = time.perf_counter() - start
    # Late is not lost: wait until every message has arrived, or nothing has come for a while.
    deadline = time.perf_counter() + args.grace
    while time.perf_counter() < deadline and time.perf_counter() - bench.last_frame_at < args.quiet:
        if all((recipient, mid) in bench.arrivals for mid, (recipient, *_) in bench.expected.items()):
            break
        await asyncio.sleep(0.5)
    bench.cpu_seconds = worker_cpu_seconds(master_pid) - cpu_before
    if bench.closed:
        print(f"{bench.closed} sockets were closed by the server during the run", file=sys.stderr)
    bench.done = True
    for task in tasks:
        task.cancel()
    return bench, sending_time, total


def start_gunicorn(args, url, redis_url, port):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
        "SOCIALAPP_ENV": "development",
        # A thread per open socket (the kernel may hand one worker more than half), plus some for requests.
        "WEB_THREADS": str(args.users + 64),
    }
    command = [os.path.join(ROOT, ".venv/bin/gunicorn"), "--workers", str(args.workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    if os.path.exists(os.path.join(ROOT, "gunicorn.conf.py")):
        command += ["--config", os.path.join(ROOT, "gunicorn.conf.py")]
    else:
        command += ["--worker-class", "gthread", "--threads", env["WEB_THREADS"]]
    command.append("wsgi:app")
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def report(args, bench, sending_time, total):
    latencies, from_start, lost = bench.latencies()
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")

    median = statistics.median(latencies) if latencies else float("nan")
    median_from_start = statistics.median(from_start) if from_start else float("nan")
    posts = sorted(bench.post_times) or [float("nan")]
    cpu_per_thousand = bench.cpu_seconds * 1000 / max(1, len(bench.expected))
    load = "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    print(f"\nChat delivery: {args.users} users connected, {args.workers} workers, Redis; load average {load}\n")
    print(
        "| users | asked rate/s | achieved rate/s | send p50 ms | from send start p50 ms | delivery p50 ms "
        "| p95 ms | p99 ms | max ms | lost | duplicated | failed posts | server CPU s per 1,000 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.users:,} | {args.rate} | {len(bench.expected) / sending_time:.0f} | {posts[len(posts) // 2]:.1f} "
        f"| {median_from_start:.1f} | {median:.1f} | {pct(0.95):.1f} | {pct(0.99):.1f} | {pct(1.0):.1f} | {lost} "
        f"| {bench.duplicates} | {bench.failed_posts} | {cpu_per_thousand:.1f} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=200, help="messages per second")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32, help="keep-alive HTTP connections for posting")
    parser.add_argument("--settle", type=float, default=600.0, help="at most this long for the presence burst")
    parser.add_argument("--quiet", type=float, default=5.0, help="seconds without pushes that end the burst")
    parser.add_argument("--grace", type=float, default=120.0, help="at most this long for the last deliveries")
    # Every open socket is a thread that may talk to Redis; the client's default pool of 100 is too small.
    default_redis = "redis://127.0.0.1:6379/13?max_connections=2000"
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", default_redis))
    args = parser.parse_args()
    if not postgres_reachable():
        raise SystemExit("PostgreSQL is needed (BENCH_POSTGRES_URL)")
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    with fresh_database("postgresql") as url:
        people = []
        for user_id, name, token in populate(url, args.users):
            cookie, csrf = credentials(user_id, token)
            people.append({"id": user_id, "name": name, "cookie": cookie, "csrf": csrf})
        port = free_port()
        gunicorn = start_gunicorn(args, url, args.redis, port)
        try:
            bench, sending_time, total = asyncio.run(drive(args, port, people, gunicorn.pid))
        finally:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
                gunicorn.wait()
    report(args, bench, sending_time, total)
    host = urlsplit(args.redis)
    print(f"\n(Redis {host.hostname}:{host.port}{host.path}, PostgreSQL, loopback)")


if __name__ == "__main__":
    main()
