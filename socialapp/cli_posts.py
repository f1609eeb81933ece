"""`flask generate-data`: a large network of people, follows, posts and likes, for benchmarks and load tests.

Rows go in with multi-row batches (SQLite) or COPY (PostgreSQL), with every counter set as it would be
had people acted through the app.
"""

import contextlib
import random
from datetime import timedelta

import click
from sqlalchemy import func, insert, select, text, update
from werkzeug.security import generate_password_hash

from socialapp.extensions import db
from socialapp.models import Follow, Post, User
from socialapp.models.base import utcnow

GENERATED_PASSWORD = "generated password 1"
WORDS = [
    "the",
    "a",
    "coffee",
    "morning",
    "run",
    "city",
    "light",
    "music",
    "garden",
    "book",
    "train",
    "walk",
    "rain",
    "sun",
    "friends",
    "code",
    "bread",
    "river",
    "mountain",
    "weekend",
    "project",
    "idea",
    "photo",
    "dinner",
    "tea",
    "bike",
    "street",
    "market",
    "park",
    "night",
    "ocean",
    "story",
    "small",
    "big",
    "happy",
    "new",
    "old",
    "today",
    "finally",
    "really",
    "quite",
    "lovely",
    "strange",
    "quiet",
    "busy",
    "early",
    "late",
    "again",
    "still",
]
TAGS = [f"topic{n}" for n in range(50)] + ["photography", "travel", "food", "music", "books"]
BATCH = 20_000


def _stamp(value, sqlite):
    # SQLAlchemy's SQLite DateTime format: fixed width, so text order is time order.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


class Loader:
    """Bulk inserts of plain rows through the driver: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, progress):
        self.progress = progress
        self.sqlite = db.engine.dialect.name == "sqlite"
        self.raw = db.engine.raw_connection()
        self.cursor = self.raw.cursor()
        if self.sqlite:
            self.cursor.execute("PRAGMA synchronous=OFF")
        else:
            with contextlib.suppress(Exception):
                # Generated rows are consistent by construction; skipping per-row foreign key
                # triggers makes the load several times faster (needs a superuser, else ignored).
                self.cursor.execute("SET session_replication_role = replica")
            self.raw.commit()

    def load(self, table, columns, rows, total, label):
        with self.progress(total, label) as bar:
            if self.sqlite:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= BATCH:
                        self.cursor.executemany(sql, batch)
                        bar.update(len(batch))
                        batch.clear()
                self.cursor.executemany(sql, batch)
                bar.update(len(batch))
            else:
                with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for n, row in enumerate(rows, 1):
                        copy.write_row(row)
                        if n % BATCH == 0:
                            bar.update(BATCH)
                bar.update(total % BATCH)
        self.raw.commit()

    def close(self):
        if self.sqlite:
            self.cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            with contextlib.suppress(Exception):
                self.cursor.execute("SET session_replication_role = DEFAULT")
        self.raw.commit()
        self.raw.close()


def _next_id(column):
    return (db.session.scalar(select(func.max(column))) or 0) + 1


def _add_users(first_id, users, prefix, now, progress):
    # Through SQLAlchemy so that every column default of the users table applies.
    password = generate_password_hash(GENERATED_PASSWORD, method="pbkdf2:sha256:1000")
    with progress(users, "People") as bar:
        for start in range(0, users, 5000):
            rows = [
                {
                    "id": first_id + n,
                    "username": f"{prefix}{n + 1}",
                    "email": f"{prefix}{n + 1}@example.com",
                    "password_hash": password,
                    "first_name": "Gen",
                    "last_name": f"{prefix.capitalize()}{n + 1}",
                    "created_at": now,
                    "email_verified_at": now,
                }
                for n in range(start, min(users, start + 5000))
            ]
            db.session.execute(insert(User), rows)
            bar.update(len(rows))
    db.session.commit()


def _follow_rows(ids, rng, follows_min, follows_max, sqlite, now):
    stamp = _stamp(now, sqlite)
    for follower in ids:
        count = min(len(ids) - 1, rng.randint(follows_min, follows_max))
        for followed in rng.sample(ids, count + 1):
            if followed != follower and count:
                count -= 1
                yield (follower, followed, stamp)


def _like_counts(posts, likes, users, rng):
    """Likes per post: most posts get a few, some get many; the total is exactly `likes`."""
    average = likes / max(posts, 1)
    counts = [min(users, int(rng.expovariate(1 / average))) if average else 0 for _ in range(posts)]
    difference = likes - sum(counts)
    while difference:
        n = rng.randrange(posts)
        step = 1 if difference > 0 else -1
        if 0 <= counts[n] + step <= users:
            counts[n] += step
            difference -= step
    return counts


def _post_rows(first_post, times, authors, counts, rng, sqlite):
    for n, (created, author) in enumerate(zip(times, authors, strict=True)):
        words = " ".join(rng.choices(WORDS, k=rng.randint(5, 25)))
        tag = TAGS[n % len(TAGS)] if n % 10 == 0 else None
        body = f"{words.capitalize()}. #{tag}" if tag else words.capitalize() + "."
        yield (first_post + n, author, body, _stamp(created, sqlite), counts[n], 0)


def _like_rows(first_post, times, counts, user_ids, rng, sqlite):
    for n, count in enumerate(counts):
        if count:
            stamp = _stamp(times[n] + timedelta(minutes=5), sqlite)
            for user_id in rng.sample(user_ids, count):
                yield (first_post + n, user_id, stamp)


def _set_follow_counts(first_id, last_id):
    followers = select(func.count()).where(Follow.followed_id == User.id).scalar_subquery()
    following = select(func.count()).where(Follow.follower_id == User.id).scalar_subquery()
    generated = User.id.between(first_id, last_id)
    db.session.execute(update(User).where(generated).values(followers_count=followers, following_count=following))
    db.session.commit()


def generate_data(progress, users=10_000, posts=1_000_000, likes=5_000_000, follows=(100, 200), prefix="gen", seed=1):
    """Add `users` people (prefix1, prefix2...) who each follow 100-200 others, `posts` posts over the
    last year and `likes` likes, with every counter right. Returns the new users' ids."""
    if db.session.scalar(select(func.count()).where(User.username == f"{prefix}1")):
        raise click.ClickException(f"Users named {prefix}1... exist already; choose another --prefix.")
    rng = random.Random(seed)
    now = utcnow()
    first_id = _next_id(User.id)
    ids = list(range(first_id, first_id + users))
    _add_users(first_id, users, prefix, now, progress)
    loader = Loader(progress)
    sqlite = loader.sqlite
    total_follows = sum(1 for _ in _follow_rows(ids, random.Random(seed), *follows, sqlite, now))
    rows = _follow_rows(ids, random.Random(seed), *follows, sqlite, now)
    loader.load("follows", ["follower_id", "followed_id", "created_at"], rows, total_follows, "Follows")
    times = sorted(now - timedelta(seconds=rng.uniform(0, 365 * 24 * 3600)) for _ in range(posts))
    authors = [rng.choice(ids) for _ in range(posts)]
    counts = _like_counts(posts, likes, users, rng)
    first_post = _next_id(Post.id)
    columns = ["id", "author_id", "body", "created_at", "likes_count", "comments_count"]
    loader.load("posts", columns, _post_rows(first_post, times, authors, counts, rng, sqlite), posts, "Posts")
    tags = ((TAGS[n % len(TAGS)], first_post + n) for n in range(0, posts, 10))
    loader.load("post_hashtags", ["tag", "post_id"], tags, len(range(0, posts, 10)), "Hashtags")
    rows = _like_rows(first_post, times, counts, ids, rng, sqlite)
    loader.load("likes", ["post_id", "user_id", "created_at"], rows, likes, "Likes")
    loader.close()
    _finish(first_id, ids[-1] if ids else first_id)
    return ids


def _finish(first_id, last_id):
    _set_follow_counts(first_id, last_id)
    if db.engine.dialect.name == "postgresql":
        for table in ("users", "posts"):
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
        db.session.commit()
    # Fresh planner statistics (and on PostgreSQL the visibility map that index-only scans need),
    # as autovacuum would gather soon after such a load.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE")


def click_progress(total, label):
    return click.progressbar(length=total, label=label, show_pos=True)


def register(app):
    @app.cli.command("generate-data")
    @click.option("--users", default=10_000, show_default=True)
    @click.option("--posts", default=1_000_000, show_default=True)
    @click.option("--likes", default=5_000_000, show_default=True)
    @click.option("--follows-min", default=100, show_default=True)
    @click.option("--follows-max", default=200, show_default=True)
    @click.option("--prefix", default="gen", show_default=True, help="Usernames are PREFIX1, PREFIX2...")
    @click.option("--seed", default=1, show_default=True)
    def generate_data_command(users, posts, likes, follows_min, follows_max, prefix, seed):
        """Generate people, follows, posts and likes into the configured database (DATABASE_URL)."""
        if likes > posts * users:
            raise click.ClickException("More likes than posts times people.")
        ids = generate_data(click_progress, users, posts, likes, (follows_min, follows_max), prefix, seed)
        click.echo(f"Done: {len(ids)} people; log in as {prefix}1 with the password '{GENERATED_PASSWORD}'.")
