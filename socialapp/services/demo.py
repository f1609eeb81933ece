"""A lively demo network for a newcomer: people with pictures who follow each other, post (some with pictures,
#hashtags and @mentions), like, comment and reply, and chat; with the notifications all of that causes."""

import io
import random
from datetime import timedelta
from functools import partial

from PIL import Image, ImageDraw
from sqlalchemy import update
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from socialapp.extensions import db
from socialapp.models import Comment, Follow, Like, Message, Notification, Post, User
from socialapp.models.base import utcnow
from socialapp.services import chat, comments, posts, profiles, social

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


POSTS = [
    "First light on the hills this morning. #photography #morning",
    "Reading old lab notebooks again: the margins are the best part. #history",
    "Rewrote the parser in an afternoon; it is half the size and twice as clear. #programming",
    "Coffee, a whiteboard and {mention}: the ideal Monday. #teamwork",
    "Reminder: a proof is a program, and a program is a promise. #programming #logic",
    "Walked to the lake and back; the best ideas come at the turning point. #walking",
    "Who else still keeps a paper notebook next to the keyboard? #tools",
    "Three bugs fixed, one found, net progress. #debugging",
    "Gave a talk today. Thank you {mention} for the hard questions! #conference",
    "The sky did something remarkable tonight. #photography #sunset",
    "Simplicity takes more work than complexity, every time. #design",
    "Weekend project: a tiny interpreter for a tiny language. #programming #weekend",
    "Pair programming with {mention} is how I learn the most. #teamwork",
    "Measured it before optimising it. Glad I did: the slow part was not where I thought. #performance",
    "New plants on the windowsill. Both still alive after a week. #home",
    "A good test suite is a letter to your future self. #testing",
    "Spent the day on documentation. Nobody thanks you, but everyone needs it. #docs",
    "Mountains, again. I never get tired of them. #photography #travel",
    "Late-night thought: naming things is the real design work. #design #programming",
    "Finally read the paper {mention} sent me. It changes how I think about networks. #networks",
    "Baked bread for the first time. It is a compiler with a very slow feedback loop. #weekend",
    "The train was late, so I sketched a state machine on the back of a ticket. #travel",
    "Teaching tomorrow: recursion. Wish me luck. #teaching",
    "Back from the coast with far too many pictures. Here is one. #photography #travel",
]
COMMENTS = [
    "Love this!",
    "So true.",
    "This made my day.",
    "Where was this taken?",
    "Couldn't agree more, {mention}.",
    "I had the same experience last week.",
    "Beautiful.",
    "Tell us more!",
    "Bookmarking this one.",
    "Ha, been there.",
    "Great point.",
    "Can I borrow this for my next talk?",
]
REPLIES = [
    "Thank you!",
    "Glad you like it.",
    "Next time you should come along.",
    "I'll write it up properly soon.",
    "Exactly!",
    "Of course, go ahead.",
]
CHATS = [
    ["Are you coming to the meetup on Thursday?", "Yes! Saving you a seat?", "Please. I'll bring the slides."],
    ["Did you see the new paper?", "Just finished it. Bold claims.", "Bold and maybe right.", "Coffee tomorrow?"],
    ["Thanks for the review yesterday.", "Any time. The second half was great.", "The first half?", ":)"],
    ["Can you send me that photo from the hike?", "Sent! The light was perfect.", "It really was."],
    ["Lunch?", "12:30 at the usual place?", "Perfect."],
    ["I think I found the bug.", "Tell me everything.", "An off-by-one, of course.", "Of course it was."],
    ["Happy birthday!", "Thank you so much!"],
    ["Are the notes from the talk online?", "Tonight, promise.", "No rush.", "They are up now.", "Thanks!"],
]
ACTIVITY_DAYS = 10


def _picture(rng):
    """A generated landscape: a sky, a sun and a few ranges of hills."""
    hue = rng.randrange(360)
    image = Image.new("RGB", (960, 600), f"hsl({hue}, 60%, 75%)")
    draw = ImageDraw.Draw(image)
    x, y = rng.randrange(100, 860), rng.randrange(60, 220)
    draw.ellipse((x - 50, y - 50, x + 50, y + 50), fill=f"hsl({(hue + 180) % 360}, 80%, 70%)")
    for layer in range(3):
        base = 300 + layer * 100
        points = [(0, 600)] + [(step * 120, base - rng.randrange(0, 160)) for step in range(9)] + [(960, 600)]
        draw.polygon(points, fill=f"hsl({(hue + 90) % 360}, 35%, {45 - layer * 12}%)")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="picture.png")


class Timeline:
    """Demo actions in the order they happened. Each runs through the services (so counters, hashtags and
    notifications are what the app makes of it) and the rows it made are then dated to when it happened."""

    def __init__(self):
        self.now = utcnow()
        self.actions = []

    def at(self, when, action, model):
        self.actions.append((when, len(self.actions), action, model))

    def later(self, when, rng, low_minutes, high_minutes):
        """A time `low..high` minutes after `when`, never later than a minute ago."""
        step = timedelta(minutes=rng.uniform(low_minutes, high_minutes))
        return min(when + step, self.now - timedelta(minutes=1))

    def run(self, progress):
        # Every row an action makes or touches is dated after `started`; everything already run is before it.
        # The dating rides in the next action's transaction (services commit their own), which halves the commits.
        started = utcnow()
        for when, _, action, model in progress(sorted(self.actions, key=lambda row: row[:2]), "Activity"):
            action()
            for table in (model, Notification):
                db.session.execute(update(table).where(table.created_at >= started).values(created_at=when))
        db.session.commit()


def plan_follows(rng, timeline, users):
    start = timeline.now - timedelta(days=ACTIVITY_DAYS + 2)
    for user in users:
        for other in rng.sample(users, k=min(6, len(users))):
            if other.id != user.id:
                when = start + timedelta(minutes=rng.uniform(0, 2 * 24 * 60))
                timeline.at(when, partial(social.follow, user, other), Follow)


def _fill(template, rng, others):
    return template.format(mention="@" + rng.choice(others).username)


def plan_posts(rng, timeline, users):
    """Three to five posts each, about one in three with a picture, with likes, comments and replies."""
    texts = list(POSTS)
    rng.shuffle(texts)
    earliest = timeline.now - timedelta(days=ACTIVITY_DAYS)
    for author in users:
        others = [user for user in users if user.id != author.id]
        for _ in range(rng.randint(3, 5)):
            text = _fill(texts.pop() if texts else rng.choice(POSTS), rng, others)
            uploads = [_picture(rng)] if "#photography" in text or rng.random() < 0.2 else []
            when = earliest + timedelta(minutes=rng.uniform(0, ACTIVITY_DAYS * 24 * 60 - 60))
            post = {}
            timeline.at(when, partial(_create_post, post, author, text, uploads), Post)
            _plan_reactions(rng, timeline, post, when, author, others)


def _create_post(into, author, text, uploads):
    into["post"] = posts.create_post(author, text, uploads)


def _plan_reactions(rng, timeline, post, when, author, others):
    for liker in rng.sample(others, k=rng.randint(0, 8)):
        like_at = timeline.later(when, rng, 2, 20 * 60)
        timeline.at(like_at, lambda liker=liker: posts.like(liker, post["post"].id), Like)
    for commenter in rng.sample(others, k=rng.choice([0, 0, 1, 1, 2, 3, 4])):
        comment_at = timeline.later(when, rng, 5, 24 * 60)
        body = _fill(rng.choice(COMMENTS), rng, [author])
        comment = {}
        timeline.at(comment_at, partial(_comment, comment, commenter, post, body), Comment)
        if rng.random() < 0.4:
            replier = author if rng.random() < 0.7 else rng.choice(others)
            reply_at = timeline.later(comment_at, rng, 3, 6 * 60)
            timeline.at(reply_at, partial(_comment, {}, replier, post, rng.choice(REPLIES), comment), Comment)


def _comment(into, user, post, body, parent=None):
    parent_id = parent["comment"].id if parent else None
    into["comment"] = comments.add_comment(user, post["post"].id, body, parent_id)


def plan_chats(rng, timeline, users):
    """A few conversations, the first person in several; each reply follows reading what came before."""
    first, rest = users[0], users[1:]
    pairs = [(first, other) for other in rng.sample(rest, k=min(4, len(rest)))]
    while len(pairs) < len(CHATS) and len(rest) > 1:
        a, b = rng.sample(rest, k=2)
        if not any({a.id, b.id} == {x.id, y.id} for x, y in pairs):
            pairs.append((a, b))
    for (a, b), lines in zip(pairs, CHATS, strict=False):
        if rng.random() < 0.5:
            a, b = b, a
        when = timeline.now - timedelta(days=rng.uniform(0.05, 4))
        for position, line in enumerate(lines):
            sender, recipient = (a, b) if position % 2 == 0 else (b, a)
            timeline.at(when, partial(_reply, sender, recipient, line), Message)
            when = timeline.later(when, rng, 1, 90)


def _reply(sender, recipient, body):
    member = chat.membership(sender.id, recipient.id)
    if member is not None:
        chat.mark_read(member)
    chat.send_message(sender, recipient, body)


def seed_demo(progress=lambda items, label: items, seed=2024):
    """Fill an empty instance with a demo network; returns the users created."""
    if db.session.query(User).count():
        raise ValueError("This instance already has users; the demo goes into an empty one.")
    rng = random.Random(seed)
    users = seed_people(rng, progress)
    timeline = Timeline()
    joined = timeline.now - timedelta(days=ACTIVITY_DAYS + 20)
    db.session.execute(update(User).values(created_at=joined))
    plan_follows(rng, timeline, users)
    plan_posts(rng, timeline, users)
    plan_chats(rng, timeline, users)
    timeline.run(progress)
    return users
