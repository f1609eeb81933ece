"""Real-time pushes: sockets one box holds, memory per socket, and delivery latency of a notification.

    .venv/bin/python bench/realtime_bench.py [--sockets 1000] [--workers 2] [--follows 300] [--rate 50]
        [--worker-class gthread|gevent] [--tabs 1] [--settle 5]

Starts gunicorn (the repository's gunicorn.conf.py) on a free loopback port over a fresh PostgreSQL (or,
without it, SQLite) database and a Redis database, and opens one WebSocket per user, logged in by a signed
session cookie. It reports the workers' memory growth per open socket, then has other users follow socket
owners through the real HTTP route at a steady rate and times from the end of each follow's HTTP response
to the bell fragment (`Notifications, 1 unread`) arriving on the followed user's socket.
With --tabs N each user holds N sockets, as with many tabs open: a user's first socket tells every
connected user "online", so thousands of distinct users arriving at once measure that fan-out rather
than what an idle socket costs. Every loop is bounded; everything runs on loopback.
"""

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid

from chat_bench import SECRET as CHAT_SECRET
from chat_bench import HttpConnection, credentials, free_port, populate
from common import fresh_database, postgres_reachable
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BELL = b"Notifications, 1 unread"
WARM_UP = 100


class Socket:
    """One tab's socket; notes when the bell first says one unread."""

    def __init__(self, cookie):
        self.cookie = cookie
        self.open = asyncio.Event()
        self.bell_at = None
        self.closed = False

    async def run(self, port, stop):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        ws = WSConnection(ConnectionType.CLIENT)
        headers = [("Cookie", self.cookie), ("Origin", f"http://127.0.0.1:{port}")]
        writer.write(ws.send(Request(host=f"127.0.0.1:{port}", target="/ws", extra_headers=headers)))
        while not stop.is_set():
            data = await reader.read(65536)
            if not data:
                break
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    self.open.set()
                elif isinstance(event, TextMessage) and self.bell_at is None and BELL in event.data.encode():
                    self.bell_at = time.perf_counter()
                elif isinstance(event, Ping):
                    writer.write(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    self.closed = True
                    return
        writer.close()


def arrivals(sockets, owner, owners):
    """When the first of the owner's tabs got the bell, or None."""
    times = [s.bell_at for s in sockets[owner::owners] if s.bell_at is not None]
    return min(times) if times else None


def rss_kb(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as fh:
            total += int(next(line for line in fh if line.startswith("VmRSS")).split()[1])
    return total


def worker_pids(master):
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


async def follow(pool, fan, owner_name):
    conn = await pool.get()
    try:
        headers = [
            ("Cookie", fan["cookie"]),
            ("X-CSRFToken", fan["csrf"]),
            ("HX-Request", "true"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]
        status, _ = await conn.post(f"/u/{owner_name}/follow", b"", headers)
        return time.perf_counter() if status == 200 else None
    finally:
        pool.put_nowait(conn)


async def open_sockets(args, port, owners, stop):
    sockets = [Socket(o["cookie"]) for o in owners]
    tasks = []
    began = time.perf_counter()
    for i, s in enumerate(sockets):
        tasks.append(asyncio.create_task(s.run(port, stop)))
        if i % 20 == 19:
            await asyncio.sleep(0.02)  # arrivals spread out, as real users arrive
    await asyncio.wait_for(asyncio.gather(*(s.open.wait() for s in sockets)), timeout=300)
    print(f"{len(sockets)} sockets open in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return sockets, tasks


async def drive(args, port, master, owners, fans):
    stop = asyncio.Event()
    await asyncio.sleep(1)
    pids = worker_pids(master.pid)
    # The first sockets warm each worker up (templates, pools, threads); growth is measured after them.
    tabs = [owners[i % len(owners)] for i in range(args.sockets)]  # socket i is a tab of owner i % owners
    warm = min(WARM_UP, len(tabs) // 2)
    sockets, tasks = await open_sockets(args, port, tabs[:warm], stop)
    await asyncio.sleep(args.settle)
    before = rss_kb(pids)
    more, more_tasks = await open_sockets(args, port, tabs[warm:], stop)
    sockets, tasks = sockets + more, tasks + more_tasks
    await asyncio.sleep(args.settle)  # let the "came online" pushes pass
    after = rss_kb(pids)
    result = {"before": before, "after": after, "measured": len(more), "workers": len(pids)}
    pool = asyncio.Queue()
    for _ in range(args.connections):
        conn = HttpConnection("127.0.0.1", port)
        await conn.connect()
        pool.put_nowait(conn)
    start = time.perf_counter()
    actions = []
    for n, fan in enumerate(fans):
        await asyncio.sleep(max(0.0, start + n / args.rate - time.perf_counter()))
        target = n * len(owners) // len(fans)
        actions.append((target, asyncio.create_task(follow(pool, fan, owners[target]["name"]))))
    responded = [(target, await task) for target, task in actions]
    await asyncio.sleep(args.grace)
    stop.set()
    closed = sum(s.closed for s in sockets)
    for task in tasks:
        task.cancel()
    latencies, lost, failed = [], 0, 0
    for target, at in responded:
        if at is None:
            failed += 1
        elif arrivals(sockets, target, len(owners)) is None:
            lost += 1
        else:  # a push may beat the end of the response
            latencies.append(max(0.0, arrivals(sockets, target, len(owners)) - at) * 1000)
    return result | {"latencies": sorted(latencies), "lost": lost, "failed": failed, "closed": closed}


def start_gunicorn(args, url, redis_url, port):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "REALTIME_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": CHAT_SECRET,
        "RATELIMIT_ENABLED": "0",
        "WS_MAX_SOCKETS_PER_USER": str(max(20, args.tabs)),  # --tabs may ask for more than the default cap
        "LOG_LEVEL": "WARNING",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_WORKER_CLASS": args.worker_class,
        # The kernel may hand one worker more than its share of the sockets.
        "WEB_THREADS": str(args.sockets + 64),
        "WEB_CONNECTIONS": str(args.sockets + 1000),
    }
    command = [os.path.join(ROOT, ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def report(args, result, backend):
    lat = result["latencies"] or [float("nan")]

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))]

    growth = (result["after"] - result["before"]) / result["measured"]
    per_user = f", {args.tabs} tabs per user" if args.tabs > 1 else ""
    print(f"\n{args.sockets} sockets{per_user} on {result['workers']} {args.worker_class} workers, Redis, {backend}\n")
    print(
        "| sockets | worker class | memory per socket KB | follows | p50 ms | p95 ms | p99 ms | max ms "
        "| lost | failed | sockets closed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.sockets} | {args.worker_class} | {growth:.1f} | {len(args.fans)} | {statistics.median(lat):.1f} | "
        f"{pct(0.95):.1f} | {pct(0.99):.1f} | {lat[-1]:.1f} | {result['lost']} | {result['failed']} | "
        f"{result['closed']} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--follows", type=int, default=300, help="at most one per socket owner")
    parser.add_argument("--tabs", type=int, default=1, help="sockets per user")
    parser.add_argument("--rate", type=float, default=50, help="follows per second")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive HTTP connections for the follows")
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for the last pushes")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "gevent"])
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    args = parser.parse_args()
    users = -(-args.sockets // args.tabs)
    args.follows = min(args.follows, users)
    backend = "postgresql" if postgres_reachable() else "sqlite"
    with fresh_database(backend) as url:
        people = populate(url, users + args.follows)
        accounts = []
        for user_id, username, token in people:
            cookie, csrf = credentials(user_id, token)
            accounts.append({"id": user_id, "name": username, "cookie": cookie, "csrf": csrf})
        owners, args.fans = accounts[:users], accounts[users:]
        port = free_port()
        master = start_gunicorn(args, url, args.redis, port)
        try:
            result = asyncio.run(drive(args, port, master, owners, args.fans))
        finally:
            os.killpg(master.pid, signal.SIGTERM)
            try:
                master.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(master.pid, signal.SIGKILL)
                master.wait()
    report(args, result, backend)


if __name__ == "__main__":
    main()
