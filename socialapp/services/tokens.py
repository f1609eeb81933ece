"""Signed, expiring tokens for links sent by mail.

Each token carries a fingerprint of the state it is meant to change (the password hash, the email),
so it stops working once used: that is what makes it single-use without a table of spent tokens.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"socialapp-{purpose}")


def fingerprint(*parts):
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()[:16]


def make_token(purpose, payload):
    return _serializer(purpose).dumps(payload)


def read_token(purpose, token):
    """The payload of a valid token, or None when it is forged, mangled or expired."""
    try:
        return _serializer(purpose).loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
