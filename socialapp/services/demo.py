"""A lively demo network for a newcomer: people with pictures, follows, and whatever else the app holds."""

import io
import random

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.base import utcnow
from socialapp.services import profiles, social

DEMO_PASSWORD = "demo password 2024"
PEOPLE = [
    ("ada", "Ada", "Lovelace", "GB", "Writing programs for engines that do not exist yet."),
    ("alan", "Alan", "Turing", "GB", "Can machines think? Running, too."),
    ("grace", "Grace", "Hopper", "US", "It is easier to ask forgiveness than permission."),
    ("linus", "Linus", "Torvalds", "FI", "Talk is cheap. Show me the code."),
    ("barbara", "Barbara", "Liskov", "US", "Substitutable since 1987."),
    ("margaret", "Margaret", "Hamilton", "US", "Software engineering, the name and the practice."),
    ("dennis", "Dennis", "Ritchie", "US", "UNIX is basically a simple operating system."),
    ("radia", "Radia", "Perlman", "US", "Spanning trees and poems about them."),
    ("edsger", "Edsger", "Dijkstra", "NL", "Simplicity is prerequisite for reliability."),
    ("katherine", "Katherine", "Johnson", "US", "Checking the numbers by hand."),
    ("tim", "Tim", "Berners-Lee", "GB", "This is for everyone."),
    ("frances", "Frances", "Allen", "US", "Optimising compilers, one pass at a time."),
]


def _portrait(rng, initials):
    """A generated picture: a coloured background with two circles and the initials."""
    hue = rng.randrange(360)
    image = Image.new("RGB", (400, 400), f"hsl({hue}, 55%, 55%)")
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 60, 280, 220), fill=f"hsl({(hue + 40) % 360}, 60%, 80%)")
    draw.ellipse((60, 230, 340, 520), fill=f"hsl({(hue + 40) % 360}, 60%, 80%)")
    draw.text((20, 20), initials, fill="white", font_size=48)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="portrait.png")


def seed_people(rng, progress):
    password = generate_password_hash(DEMO_PASSWORD)
    users = []
    for username, first, last, country, bio in progress(PEOPLE, "People"):
        user = User(
            username=username,
            email=f"{username}@demo.example",
            first_name=first,
            last_name=last,
            password_hash=password,
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        db.session.commit()
        profiles.update_profile(user, bio=bio, country=country, website=f"https://{username}.example")
        profiles.set_picture(user, _portrait(rng, first[0] + last[0]))
        users.append(user)
    return users


def seed_follows(rng, users, progress):
    for user in progress(users, "Follows"):
        for other in rng.sample(users, k=min(6, len(users))):
            if other.id != user.id:
                social.follow(user, other)


# Other areas add their demo content here: each takes (rng, users, progress).
EXTRA_SEEDERS = []


def seed_demo(progress=lambda items, label: items, seed=2024):
    """Fill an empty instance with a demo network; returns the users created."""
    if db.session.query(User).count():
        raise ValueError("This instance already has users; the demo goes into an empty one.")
    rng = random.Random(seed)
    users = seed_people(rng, progress)
    seed_follows(rng, users, progress)
    for seeder in EXTRA_SEEDERS:
        seeder(rng, users, progress)
    return users
