"""Chat push CPU: what one message costs the server's processor, in the sender's request and in its pushes.

    .venv/bin/python bench/chat_push_bench.py [--messages 300]

In one process over a fresh PostgreSQL database: 20 users, each logged in on a test client, send messages
to each other through the real route (`POST /chat/<user>/messages`, as htmx sends it); the events it
publishes are collected, then delivered by the hub to one socket per user (a stand-in that keeps nothing),
as the subscriber thread would. CPU time (user and system) rather than elapsed time, so that the figures
hold on a busy machine better than chat_bench.py's latencies do; gunicorn, HTTP parsing, Redis and the
socket writes are left out (chat_bench.py counts them in its "server CPU").
"""

import argparse
import os
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


def send_all(clients, names, pairs):
    for sender, recipient in pairs:
        response = clients[sender].post(
            f"/chat/{names[recipient]}/messages", data={"body": "hello there"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200, response.status_code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    from socialapp import create_app
    from socialapp.realtime.hub import Client
    from socialapp.services.sessions import start_session

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tests.support.factories import make_user

    with fresh_database("postgresql") as url:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"}
            | {"WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench", "TESTING": True}
        )
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

        started = time.process_time()
        send_all(clients, names, pairs[20:])
        send_cpu = time.process_time() - started
        per_kind, kinds = Counter(), Counter()
        for user_id, event in events:
            started = time.process_time()
            hub.deliver(user_id, [event])
            per_kind[event["kind"]] += time.process_time() - started
            kinds[event["kind"]] += 1
        with app.app_context():
            from socialapp.extensions import db

            db.engine.dispose()
    load = "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    n = args.messages
    print(f"\nChat push CPU, {n} messages among {USERS} users, PostgreSQL; load average {load}\n")
    print("| what | pushes per message | CPU ms per message |")
    print("|---|---|---|")
    print(f"| the sender's request | | {send_cpu * 1000 / n:.2f} |")
    for kind, cpu in sorted(per_kind.items()):
        print(f"| pushes of {kind} | {kinds[kind] / n:.0f} | {cpu * 1000 / n:.2f} |")
    print(f"| in all | | {(send_cpu + sum(per_kind.values())) * 1000 / n:.2f} |")


if __name__ == "__main__":
    main()
