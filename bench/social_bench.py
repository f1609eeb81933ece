"""Social graph pages with 10,000 users and 200,000 follows, on SQLite and PostgreSQL.

    .venv/bin/python bench/social_bench.py [--users 10000] [--follows-each 20]

Prints a Markdown table of median and p95 server time per page (target: under 20 ms).
"""

import argparse
import random

from common import fresh_database, measure, postgres_reachable, print_table
from sqlalchemy import func, insert, select, update
from werkzeug.security import generate_password_hash

from socialapp import create_app
from socialapp.extensions import db
from socialapp.models import Follow, User
from socialapp.models.base import utcnow
from socialapp.services.sessions import start_session

FIRST = ["Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Radia", "Edsger"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Perlman"]


def populate(users, follows_each, seed=7):
    rng = random.Random(seed)
    password = generate_password_hash("bench password 1", method="pbkdf2:sha256:1000")
    now = utcnow()
    rows = [
        {
            "username": f"user{i}",
            "email": f"user{i}@example.com",
            "password_hash": password,
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "email_verified_at": now,
            "created_at": now,
        }
        for i in range(1, users + 1)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(User), rows[start : start + 5000])
    db.session.commit()
    ids = list(db.session.scalars(select(User.id)))
    # Popularity follows a power law: a few people are followed by many.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(ids))]
    batch = []
    for follower in ids[:-1]:  # the last one is a newcomer who follows nobody yet
        targets = set(rng.choices(ids, weights=weights, k=follows_each + 5)) - {follower}
        for followed in list(targets)[:follows_each]:
            batch.append({"follower_id": follower, "followed_id": followed, "created_at": now})
        if len(batch) >= 20000:
            db.session.execute(insert(Follow), batch)
            batch.clear()
    if batch:
        db.session.execute(insert(Follow), batch)
    followers = select(func.count()).where(Follow.followed_id == User.id).scalar_subquery()
    following = select(func.count()).where(Follow.follower_id == User.id).scalar_subquery()
    db.session.execute(update(User).values(followers_count=followers, following_count=following))
    db.session.commit()
    analyze()
    return ids


def analyze():
    """Refresh the planner's statistics, as autovacuum would soon after a bulk load."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def run(backend, users, follows_each):
    with fresh_database(backend, name="socialapp_bench_social") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            ids = populate(users, follows_each)
            total = db.session.scalar(select(func.count()).select_from(Follow))
            viewer = db.session.get(User, ids[len(ids) // 2])
            star = db.session.get(User, ids[0])
            print(f"{backend}: {len(ids)} users, {total} follows; user1 has {star.followers_count} followers")
            client, newcomer = logged_in(app, viewer), logged_in(app, db.session.get(User, ids[-1]))
            cursor_page = client.get(f"/u/{star.username}/followers").get_data(as_text=True)
            cursor = cursor_page.split("cursor=")[1].split('"')[0]
            pages = {
                "suggestions": "/people/suggestions",
                "followers of the most followed, page 1": f"/u/{star.username}/followers",
                "followers of the most followed, page 2": f"/u/{star.username}/followers?cursor={cursor}",
                "following list": f"/u/{viewer.username}/following",
                "people search 'gra'": "/people/search?q=gra",
                "people search 'user12'": "/people/search?q=user12",
            }
            rows = [(backend, what, *measure(client, path)) for what, path in pages.items()]
            rows.insert(
                1, (backend, "suggestions for a newcomer (most followed)", *measure(newcomer, pages["suggestions"]))
            )
            return rows


def logged_in(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = start_session(user).get_id()
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--follows-each", type=int, default=20)
    args = parser.parse_args()
    rows = run("sqlite", args.users, args.follows_each)
    if postgres_reachable():
        rows += run("postgresql", args.users, args.follows_each)
    print_table("Social graph pages (server time through the WSGI app)", rows)


if __name__ == "__main__":
    main()
