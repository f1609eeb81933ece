"""What a page costs a worker that holds many idle sockets, against the same worker holding none, and what a
page's own socket costs it.

    .venv/bin/python bench/busy_worker_bench.py [--sockets 2000] [--requests 300] [--workers 1]

The load test finds a home page costing about three times more CPU through gunicorn, with thousands of
sockets open, than in one process (docs/benchmarks.md, "Load test"). This separates the sockets from the
load: gunicorn (the repository's gunicorn.conf.py) over a fresh PostgreSQL database and Redis, one person
asking for the home page `--requests` times, one request at a time, first with no socket open, then with
`--sockets` other people's sockets open and idle. It reports the worker's CPU (every thread, from /proc)
per page, the median page time, and what the idle sockets cost the worker while nothing else happens.
Between the two, the same person opens `--requests` sockets one after another as pages do (`/ws?bell=0&badge=0`), each
closed once its "ready" frame has come: the worker's CPU per socket, opened, registered and closed.
"""

import argparse
import asyncio
import os
import signal
import time
import urllib.request

import realtime_bench
from chat_bench import credentials, free_port, populate, worker_cpu_seconds
from common import fresh_database
from wsproto import ConnectionType, WSConnection
from wsproto.events import CloseConnection, Request, TextMessage


def home_pages(port, cookie, count):
    """The median wall time in ms of `count` home pages asked one after another."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Cookie": cookie})
    times = []
    for _ in range(count):
        began = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            assert response.status == 200 and b"Home" in response.read()
        times.append((time.perf_counter() - began) * 1000)
    return sorted(times)[count // 2]


async def measure(label, master, port, cookie, count):
    before = worker_cpu_seconds(master.pid)
    median = await asyncio.get_running_loop().run_in_executor(None, home_pages, port, cookie, count)
    used = worker_cpu_seconds(master.pid) - before
    print(f"| {label} | {used * 1000 / count:.2f} | {median:.1f} |", flush=True)


async def page_socket(port, cookie):
    """Open a socket as a page does, wait for its ready frame, close it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    ws = WSConnection(ConnectionType.CLIENT)
    headers = [("Cookie", cookie), ("Origin", f"http://127.0.0.1:{port}")]
    writer.write(ws.send(Request(host=f"127.0.0.1:{port}", target="/ws?bell=0&badge=0", extra_headers=headers)))
    while True:
        data = await asyncio.wait_for(reader.read(65536), timeout=30)
        if not data:
            raise ConnectionError("closed before the ready frame")
        ws.receive_data(data)
        if any(isinstance(event, TextMessage) and '"ready"' in event.data for event in ws.events()):
            writer.write(ws.send(CloseConnection(code=1000)))
            await writer.drain()
            writer.close()
            return


async def sockets_in_turn(master, port, cookie, count):
    """The worker's CPU per socket, and the time between sockets, for `count` sockets opened in turn."""
    before, began = worker_cpu_seconds(master.pid), time.perf_counter()
    for _ in range(count):
        await page_socket(port, cookie)
    await asyncio.sleep(0.5)  # the last close handled
    used = worker_cpu_seconds(master.pid) - before
    return used * 1000 / count, (time.perf_counter() - began) * 1000 / count


async def run(args, url, port, cookies):
    options = argparse.Namespace(workers=args.workers, tabs=1, worker_class="gthread", sockets=args.sockets)
    master = realtime_bench.start_gunicorn(options, url, args.redis, port)
    try:
        await asyncio.sleep(2)
        home_pages(port, cookies[0], 30)  # templates, pools and threads warmed up
        print("| sockets open | worker CPU ms per page | median page ms |\n|---|---|---|")
        for _ in range(2):
            await measure("none", master, port, cookies[0], args.requests)
        socket_cpu, socket_wall = await sockets_in_turn(master, port, cookies[0], args.requests)
        stop = asyncio.Event()
        sockets = [realtime_bench.Socket(cookie) for cookie in cookies[1:]]
        tasks = [asyncio.create_task(s.run(port, stop)) for s in sockets]
        await asyncio.wait_for(asyncio.gather(*(s.open.wait() for s in sockets)), timeout=300)
        await asyncio.sleep(15)  # the arrivals' work done
        before = worker_cpu_seconds(master.pid)
        await asyncio.sleep(10)
        idle = worker_cpu_seconds(master.pid) - before
        for _ in range(2):
            await measure(f"{args.sockets:,} idle", master, port, cookies[0], args.requests)
        print(f"\n{args.sockets:,} idle sockets alone used {idle * 10:.1f}% of a core (10 s).")
        print(
            f"A page's socket (no other socket open, {args.requests} in turn): {socket_cpu:.2f} ms of the worker's CPU"
        )
        print(f"to open, register, send its ready frame and close, {socket_wall:.1f} ms apart.")
        stop.set()
        for task in tasks:
            task.cancel()
    finally:
        os.killpg(master.pid, signal.SIGTERM)
        master.wait(60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
    args = parser.parse_args()
    with fresh_database("postgresql", "socialapp_bench_busy_worker") as url:
        users = populate(url, args.sockets + 1)
        cookies = [credentials(user_id, key)[0] for user_id, _name, key in users]
        asyncio.run(run(args, url, free_port(), cookies))
    print(f"load average (1, 5, 15 min) at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
