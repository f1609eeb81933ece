"""Memory and time of "Export my data" for a large account.

    cd bench && ../.venv/bin/python export_bench.py [--messages 20000] [--posts 5000] [--pictures 200]

Builds a fresh SQLite file and, when PostgreSQL answers at 127.0.0.1:5432, a fresh PostgreSQL database,
each holding one account with --posts posts (--pictures of them with a 1600 x 1200 JPEG of noise, about
1 MB, as large as a stored picture gets), --messages chat messages over 50 conversations (half sent, half
received), a comment and a like on each of 5,000 posts of others, 1,000 follows each way, 100 blocks and a
profile picture. Then exports it, in this process, twice: once at a tenth of that size and once whole, so
that the peak shows whether memory grows with the account.

For each export it prints the peak of Python's allocations while building the zip (tracemalloc: every
object the export makes, the rows of a batch included), the growth of the process's peak resident memory
(VmHWM, started again just before the export; it also counts the database driver's buffers), the time (with tracemalloc on, which slows
Python down about twofold) and the size of the zip. Prints a Markdown table.
"""

import argparse
import gc
import os
import random
import tempfile
import time
import tracemalloc
import zipfile
from datetime import timedelta

from common import USER_DEFAULTS, fresh_database, postgres_reachable
from PIL import Image
from sqlalchemy import insert

CHUNK = 5000


def vm(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def reset_peak_rss():
    """Start VmHWM again from the present resident size (Linux 4.0 and later), so that what populating the
    database took does not hide the export's own peak."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def noise_jpeg(path):
    """A 1600 x 1200 JPEG of noise: it does not compress, like a real photo at the largest stored size."""
    Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3)).save(path, "JPEG", quality=85)


def bulk(model, rows):
    from socialapp.extensions import db

    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])
    db.session.commit()


def users(count, prefix, now):
    return [
        {
            **USER_DEFAULTS,
            "username": f"{prefix}{n}",
            "email": f"{prefix}{n}@example.com",
            "password_hash": "x",
            "first_name": prefix.capitalize(),
            "last_name": str(n),
            "created_at": now,
            "email_verified_at": now,
        }
        for n in range(count)
    ]


def populate(owner_prefix, scale, posts, messages, pictures, picture_file):
    """One account named `<owner_prefix>0` and everyone around it, at `scale` (1.0 is the whole size)."""
    from socialapp.extensions import db
    from socialapp.models import (
        Block,
        Comment,
        Conversation,
        ConversationMember,
        Follow,
        Like,
        Message,
        Post,
        PostImage,
        User,
    )
    from socialapp.models.base import utcnow
    from socialapp.services.accounts import user_media_dir

    now = utcnow()
    posts, messages, pictures = int(posts * scale), int(messages * scale), int(pictures * scale)
    others_count = max(50, int(1000 * scale))
    bulk(User, users(1, owner_prefix, now) + users(others_count, owner_prefix + "friend", now))
    owner = db.session.scalar(db.select(User).where(User.username == f"{owner_prefix}0"))
    others = list(db.session.scalars(db.select(User.id).where(User.username.like(f"{owner_prefix}friend%"))))
    folder = os.path.join(user_media_dir(owner.id), "img")
    os.makedirs(folder, exist_ok=True)
    os.link(picture_file, os.path.join(folder, "avatar_key_0123456789-avatar.jpg"))
    owner.avatar_key = "avatar_key_0123456789"
    db.session.commit()

    def times(count):
        return [now - timedelta(seconds=count - n) for n in range(count)]

    bulk(
        Post,
        [
            {"author_id": owner.id, "body": f"Post number {n} " * 8, "created_at": at}
            for n, at in enumerate(times(posts))
        ],
    )
    own_posts = list(db.session.scalars(db.select(Post.id).where(Post.author_id == owner.id).order_by(Post.id)))
    keys = [f"picture_key_{n:010d}" for n in range(pictures)]
    for key in keys:
        os.link(picture_file, os.path.join(folder, f"{key}-large.jpg"))
    bulk(
        PostImage,
        [{"post_id": own_posts[n], "key": key, "position": 0, "alt_text": "Noise"} for n, key in enumerate(keys)],
    )

    their_count = min(5000, int(5000 * scale))
    bulk(Post, [{"author_id": others[n % len(others)], "body": f"Their post {n}"} for n in range(their_count)])
    theirs = list(db.session.scalars(db.select(Post.id).where(Post.author_id != owner.id)))
    bulk(Comment, [{"post_id": p, "author_id": owner.id, "body": "A comment of some length " * 4} for p in theirs])
    bulk(Like, [{"post_id": p, "user_id": owner.id} for p in theirs])
    bulk(Follow, [{"follower_id": owner.id, "followed_id": o} for o in others])
    bulk(Follow, [{"follower_id": o, "followed_id": owner.id} for o in others])
    bulk(Block, [{"blocker_id": owner.id, "blocked_id": o} for o in others[:100]])

    partners = others[:50]
    bulk(Conversation, [{"user_low_id": min(owner.id, o), "user_high_id": max(owner.id, o)} for o in partners])
    conversations = dict(
        db.session.execute(
            db.select(Conversation.user_low_id + Conversation.user_high_id - owner.id, Conversation.id)
        ).all()
    )
    bulk(
        ConversationMember,
        [{"conversation_id": conversations[o], "user_id": owner.id, "other_user_id": o} for o in partners],
    )
    bulk(
        ConversationMember,
        [{"conversation_id": conversations[o], "user_id": o, "other_user_id": owner.id} for o in partners],
    )
    rows = []
    for n, at in enumerate(times(messages)):
        other = partners[n % len(partners)]
        sender = owner.id if n % 2 else other
        rows.append(
            {
                "conversation_id": conversations[other],
                "sender_id": sender,
                "body": f"Message {n}: " + "words " * 12,
                "created_at": at,
            }
        )
    bulk(Message, rows)
    return owner.id, {"posts": posts, "messages": messages, "pictures": pictures}


def export_once(user_id):
    from socialapp.extensions import db
    from socialapp.models import User
    from socialapp.services import export

    db.session.expire_all()
    user = db.session.get(User, user_id)
    gc.collect()
    reset_peak_rss()
    before = vm("VmRSS")
    tracemalloc.start()
    start = time.perf_counter()
    with export.export_archive(user) as out:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = os.fstat(out.fileno()).st_size
        with zipfile.ZipFile(out) as archive:
            names = archive.namelist()
    return {"peak": peak, "rss": vm("VmHWM") - before, "seconds": seconds, "size": size, "files": len(names)}


def run(backend, args, picture_file):
    from socialapp import create_app

    results = []
    with fresh_database(backend) as url, tempfile.TemporaryDirectory() as media:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": media, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            from socialapp.extensions import db

            for prefix, scale in (("small", 0.1), ("large", 1.0)):
                user_id, counts = populate(prefix, scale, args.posts, args.messages, args.pictures, picture_file)
                results.append((backend, counts, export_once(user_id)))
            db.session.remove()
            db.engine.dispose()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--pictures", type=int, default=200)
    args = parser.parse_args()
    random.seed(1)
    backends = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        picture_file = os.path.join(folder, "noise.jpg")
        noise_jpeg(picture_file)
        print(f"picture: {os.path.getsize(picture_file) / 2**20:.2f} MiB", flush=True)
        for backend in backends:
            rows += run(backend, args, picture_file)
    print("\n| backend | posts | messages | pictures | zip MiB | files | seconds | Python peak MiB | RSS growth MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for backend, counts, r in rows:
        print(
            f"| {backend} | {counts['posts']:,} | {counts['messages']:,} | {counts['pictures']:,} | "
            f"{r['size'] / 2**20:.1f} | {r['files']:,} | {r['seconds']:.1f} | {r['peak'] / 2**20:.1f} | {r['rss'] / 2**20:.1f} |"
        )


if __name__ == "__main__":
    main()
