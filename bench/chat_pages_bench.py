"""Chat pages with 10,000 users and 1,000,000 messages, on SQLite and PostgreSQL.

    .venv/bin/python bench/chat_pages_bench.py [--users 10000] [--messages 1000000]

The viewer has 300 conversations, one of them 50,000 messages long; the other messages are spread
over random pairs. Prints a Markdown table of median and p95 server time per page (target: under 20 ms).
"""

import argparse
import random
from datetime import timedelta

from common import fresh_database, measure, postgres_reachable, print_table
from sqlalchemy import func, insert, select, update
from werkzeug.security import generate_password_hash

from socialapp import create_app
from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.base import utcnow
from socialapp.models.chat import Conversation, ConversationMember, Message
from socialapp.services.sessions import start_session

BATCH = 20_000


def add_users(count):
    password = generate_password_hash("bench password 1", method="pbkdf2:sha256:1000")
    now = utcnow()
    rows = [
        {
            "username": f"user{i}",
            "email": f"user{i}@example.com",
            "password_hash": password,
            "first_name": f"First{i % 97}",
            "last_name": f"Last{i % 89}",
            "email_verified_at": now,
            "created_at": now,
        }
        for i in range(1, count + 1)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(User), rows[start : start + 5000])
    return list(db.session.scalars(select(User.id).order_by(User.id)))


def add_conversations(pairs):
    """One conversation (and its two members) per pair; returns {pair: conversation id}."""
    rows = [{"user_low_id": a, "user_high_id": b, "created_at": utcnow()} for a, b in pairs]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Conversation), rows[start : start + BATCH])
    found = db.session.execute(select(Conversation.user_low_id, Conversation.user_high_id, Conversation.id)).all()
    ids = {(a, b): cid for a, b, cid in found}
    members = [
        {"conversation_id": cid, "user_id": me, "other_user_id": other, "last_read_message_id": 0, "last_message_id": 0}
        for (a, b), cid in ids.items()
        for me, other in ((a, b), (b, a))
    ]
    for start in range(0, len(members), BATCH):
        db.session.execute(insert(ConversationMember), members[start : start + BATCH])
    return ids


def populate(users, messages, seed=5):
    rng = random.Random(seed)
    ids = add_users(users)
    viewer, partner = ids[len(ids) // 2], ids[0]
    busy_pair = tuple(sorted((viewer, partner)))
    pairs = {busy_pair} | {tuple(sorted((viewer, other))) for other in rng.sample(ids, 300) if other != viewer}
    while len(pairs) < 300 + 20_000:
        pairs.add(tuple(sorted(rng.sample(ids, 2))))
    conversations = add_conversations(sorted(pairs))
    keys = list(conversations)
    start = utcnow() - timedelta(days=365)
    batch = []
    for n in range(messages):
        pair = busy_pair if n % 20 == 0 else rng.choice(keys)
        cid = conversations[pair]
        sender = rng.choice(pair)
        batch.append({"conversation_id": cid, "sender_id": sender, "body": f"message {n}", "created_at": start})
        if len(batch) == BATCH:
            db.session.execute(insert(Message), batch)
            batch.clear()
    if batch:
        db.session.execute(insert(Message), batch)
    newest = select(func.max(Message.id)).where(Message.conversation_id == ConversationMember.conversation_id)
    db.session.execute(update(ConversationMember).values(last_message_id=func.coalesce(newest.scalar_subquery(), 0)))
    # Everyone has read all but the last few messages of each conversation.
    db.session.execute(update(ConversationMember).values(last_read_message_id=ConversationMember.last_message_id - 3))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    return db.session.get(User, viewer), db.session.get(User, partner)


def run(backend, users, messages):
    with fresh_database(backend) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            viewer, partner = populate(users, messages)
            member = db.session.scalar(
                select(ConversationMember).where(
                    ConversationMember.user_id == viewer.id, ConversationMember.other_user_id == partner.id
                )
            )
            long = db.session.scalar(select(func.count()).where(Message.conversation_id == member.conversation_id))
            total = db.session.scalar(select(func.count()).select_from(Message))
            print(f"{backend}: {users} users, {total} messages; the long conversation has {long}")
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = start_session(viewer).get_id()
            middle = member.last_message_id - long // 2 * 20
            htmx = {"HX-Request": "true"}
            pages = {
                "chat page (conversations, people, badge)": ("/chat/", {}),
                "people, search 'user12'": ("/chat/?list=people&q=user12", htmx),
                "conversation, newest page": (f"/chat/{partner.username}", {}),
                "conversation, older page deep in history": (
                    f"/chat/{partner.username}/messages?before={middle}",
                    htmx,
                ),
                "catch-up after a reconnect": (
                    f"/chat/{partner.username}/messages?after={member.last_message_id - 5}",
                    htmx,
                ),
            }
            return [(backend, what, *measure(client, path, headers)) for what, (path, headers) in pages.items()]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    rows = run("sqlite", args.users, args.messages)
    if postgres_reachable():
        rows += run("postgresql", args.users, args.messages)
    print_table("Chat pages (server time through the WSGI app)", rows)


if __name__ == "__main__":
    main()
