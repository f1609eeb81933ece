"""Small factories that put rows straight into the database."""

import itertools

from werkzeug.security import generate_password_hash

from socialapp.extensions import db
from socialapp.models import Block, User
from socialapp.models.base import utcnow

PASSWORD = "correct horse battery staple"
# A cheap hash keeps the suite fast; the login code accepts any werkzeug hash method.
_FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_counter = itertools.count(1)


def make_user(username=None, verified=True, password=PASSWORD, **fields):
    """A user, verified by default, whose password is PASSWORD unless given."""
    n = next(_counter)
    username = username or f"user{n}"
    user = User(
        username=username,
        email=fields.pop("email", f"{username.lower()}@example.com"),
        first_name=fields.pop("first_name", username.capitalize()),
        last_name=fields.pop("last_name", "Tester"),
        password_hash=_FAST_HASH
        if password == PASSWORD
        else generate_password_hash(password, method="pbkdf2:sha256:1000"),
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_block(blocker, blocked):
    """`blocker` blocks `blocked`: the row alone, without what the block service also undoes (follows...)."""
    db.session.add(Block(blocker_id=blocker.id, blocked_id=blocked.id))
    db.session.commit()
