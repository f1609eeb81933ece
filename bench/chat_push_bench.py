"""Chat push CPU: what one message costs the server's processor, in the sender's request and in its pushes.

    .venv/bin/python bench/chat_push_bench.py [--messages 300] [--profile]

In one process over a fresh PostgreSQL database: 20 users, each logged in on a test client, send messages
to each other through the real route (`POST /chat/<user>/messages`, as htmx sends it); the events it
publishes are collected, then delivered by the hub to one socket per user (a stand-in that keeps nothing),
as the subscriber thread would. CPU time (user and system) rather than elapsed time, so that the figures
hold on a busy machine better than chat_bench.py's latencies do; gunicorn, HTTP parsing, Redis and the
socket writes are left out (chat_bench.py counts them in its "server CPU"). Beside the CPU, the SQL
statements and Python function calls of each part, which other jobs on the machine cannot move; with
--profile, the functions where each part spends most of its own time (the CPU figures then count cProfile's
cost too, so compare them only with other --profile runs).
"""

import argparse
import contextlib
import cProfile
import os
import pstats
import random
import sys
import time
from collections import Counter

from common import fresh_database

USERS = 20


class NullSocket:
    def send(self, text):
        pass

    def close(self, **kwargs):
        pass


class Part:
    """What one part of a message costs in all: CPU seconds, SQL statements, function calls (cProfile)."""

    def __init__(self, engine, profile):
        self.cpu, self.statements, self.engine = 0.0, 0, engine
        self.profiler = cProfile.Profile() if profile else None

    def _count(self, *args):
        self.statements += 1

    @contextlib.contextmanager
    def measured(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._count)
        if self.profiler:
            self.profiler.enable()
        started = time.process_time()
        try:
            yield
        finally:
            self.cpu += time.process_time() - started
            if self.profiler:
                self.profiler.disable()
            event.remove(self.engine, "before_cursor_execute", self._count)

    def calls(self, n):
        """Function calls per message, as text ("" without --profile)."""
        return f"{pstats.Stats(self.profiler).total_calls / n:.0f}" if self.profiler else ""

    def print_top(self, title, limit=15):
        if self.profiler:
            print(f"\n{title}, the functions by their own time:")
            pstats.Stats(self.profiler).sort_stats("tottime").print_stats(limit)


def send_all(clients, names, pairs):
    for sender, recipient in pairs:
        response = clients[sender].post(
            f"/chat/{names[recipient]}/messages", data={"body": "hello there"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200, response.status_code


def logged_in_users(app):
    """(test clients, user ids, usernames) of USERS users, each client logged in as its user."""
    from socialapp.services.sessions import start_session

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tests.support.factories import make_user

    clients, ids, names = [], [], []
    with app.app_context():
        for n in range(USERS):
            user = make_user(f"pusher{n}")
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = start_session(user).get_id()
                session["_fresh"] = True
            clients.append(client)
            ids.append(user.id)
            names.append(user.username)
    return clients, ids, names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="count function calls and show where time goes")
    args = parser.parse_args()
    from socialapp import create_app
    from socialapp.extensions import db
    from socialapp.realtime.hub import Client

    with fresh_database("postgresql") as url:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"}
            | {"WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench", "TESTING": True}
        )
        clients, ids, names = logged_in_users(app)
        hub = app.extensions["realtime"]
        events = []
        hub.publish = lambda channel, event: events.append((int(channel.split(":")[1]), event))
        for user_id in ids:
            hub.clients.setdefault(user_id, set()).add(Client(user_id, NullSocket()))
        rng = random.Random(7)
        pairs = [rng.sample(range(USERS), 2) for _ in range(args.messages + 20)]
        send_all(clients, names, pairs[:20])  # warm-up: templates, statement caches, connections
        for user_id, event in events:
            hub.deliver(user_id, [event])
        events.clear()

        with app.app_context():
            engine = db.engine
        sending, parts, kinds = Part(engine, args.profile), {}, Counter()
        with sending.measured():
            send_all(clients, names, pairs[20:])
        for user_id, event in events:
            part = parts.setdefault(event["kind"], Part(engine, args.profile))
            with part.measured():
                hub.deliver(user_id, [event])
            kinds[event["kind"]] += 1
        with app.app_context():
            db.engine.dispose()
    report(args.messages, sending, parts, kinds, args.profile)


def report(n, sending, parts, kinds, profile):
    """The table of what each part costs per message, then with --profile where its time went."""
    load = "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    print(f"\nChat push CPU, {n} messages among {USERS} users, PostgreSQL; load average {load}\n")
    print("| what | pushes per message | CPU ms per message | SQL statements per message | calls per message |")
    print("|---|---|---|---|---|")
    rows = [("the sender's request", "", sending)]
    rows += [(f"pushes of {kind}", f"{kinds[kind] / n:.0f}", part) for kind, part in sorted(parts.items())]
    for what, pushes, part in rows:
        print(f"| {what} | {pushes} | {part.cpu * 1000 / n:.2f} | {part.statements / n:.1f} | {part.calls(n)} |")
    everything = [part for _, _, part in rows]
    calls = f"{sum(pstats.Stats(p.profiler).total_calls for p in everything) / n:.0f}" if profile else ""
    cpu, statements = sum(p.cpu for p in everything), sum(p.statements for p in everything)
    print(f"| in all | | {cpu * 1000 / n:.2f} | {statements / n:.1f} | {calls} |")
    for what, _, part in rows:
        part.print_top(what)


if __name__ == "__main__":
    main()
