"""gunicorn settings for the load test: the repository's gunicorn.conf.py unchanged, plus a tally per kind of
request of the CPU time its thread used, its wall time, its SQL statements and their time, and a tally of the
statements themselves. Each worker writes its tallies to LOAD_PROFILE_DIR when it exits.

CPU time is the request thread's own (time.thread_time), so it holds up better than latency when other
programs share the cores; database time is wall time around each statement, waiting included.
"""

import json
import os
import re
import runpy
import threading
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
globals().update(
    {k: v for k, v in runpy.run_path(os.path.join(ROOT, "gunicorn.conf.py")).items() if not k.startswith("_")}
)

ROUTES = [
    (re.compile(r"^/u/[^/]+"), "/u/[username]"),
    (re.compile(r"^/p/\d+"), "/p/[id]"),
    (re.compile(r"^/chat/(?!badge$|conversations$)[^/]+"), "/chat/[username]"),
    (re.compile(r"/\d+"), "/[id]"),
]
IN_LIST = re.compile(r"IN \((?:%\([^)]+\)s(?:, )?)+\)")
_local = threading.local()
_routes = defaultdict(lambda: [0, 0.0, 0.0, 0, 0.0])  # count, cpu s, wall s, statements, statement s
_statements = defaultdict(lambda: [0, 0.0])  # count, s


def route_of(method, path):
    for pattern, name in ROUTES:
        path = pattern.sub(name, path)
    return f"{method} {path}"


def post_worker_init(worker):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        _local.statement_began = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - _local.statement_began
        key = IN_LIST.sub("IN (...)", " ".join(statement.split()))
        _statements[key][0] += 1
        _statements[key][1] += took
        if getattr(_local, "active", False):
            _local.statements += 1
            _local.statement_time += took


def pre_request(worker, req):
    _local.active = True
    _local.statements = 0
    _local.statement_time = 0.0
    _local.cpu = time.thread_time()
    _local.wall = time.perf_counter()


def post_request(worker, req, environ, resp):
    _local.active = False
    if req.path == "/ws":
        return  # a socket's "request" lasts as long as the tab stays open
    tally = _routes[route_of(req.method, req.path)]
    tally[0] += 1
    tally[1] += time.thread_time() - _local.cpu
    tally[2] += time.perf_counter() - _local.wall
    tally[3] += _local.statements
    tally[4] += _local.statement_time


def worker_exit(server, worker):
    folder = os.environ.get("LOAD_PROFILE_DIR")
    if folder:
        with open(os.path.join(folder, f"worker-{os.getpid()}.json"), "w") as fh:
            json.dump({"routes": dict(_routes), "statements": dict(_statements)}, fh)
