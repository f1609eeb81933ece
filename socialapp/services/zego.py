"""ZegoCloud tokens ("Token04"), made on the server so the server secret never reaches a browser.

The format, as ZegoCloud's open-source token generators build it:

    "04" + base64( expire   int64, big-endian
                 | len(iv)  uint16, big-endian | iv (12 bytes)
                 | len(ct)  uint16, big-endian | AES-GCM ciphertext of the JSON below, then its 16-byte tag
                 | mode     1 byte, 1 = GCM )

The JSON is {"app_id", "user_id", "nonce", "ctime", "expire", "payload"} in that order, compact, and
the AES key is the 32-character server secret itself (AES-256). A "strict" token's payload names the
room and grants logging in to it and publishing streams.
"""

import json
import secrets
import struct
import time
from base64 import b64encode

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "04"
GCM_MODE = 1
LOGIN, PUBLISH = 1, 2


class ZegoTokenError(ValueError):
    pass


def room_payload(room_id):
    """The payload of a token that lets its holder join `room_id` and publish there."""
    payload = {"room_id": room_id, "privilege": {LOGIN: 1, PUBLISH: 1}, "stream_id_list": None}
    return json.dumps(payload, separators=(",", ":"))


def generate_token04(app_id, user_id, secret, effective_seconds, payload="", *, now=None, nonce=None, iv=None):
    """A Token04 for `user_id` valid `effective_seconds` from now.

    `now`, `nonce` and `iv` are random or current unless given, which only tests do.
    """
    if not isinstance(app_id, int) or app_id <= 0:
        raise ZegoTokenError("app id must be a positive number")
    if not isinstance(user_id, str) or not 0 < len(user_id) <= 64:
        raise ZegoTokenError("user id must be 1 to 64 characters")
    if not isinstance(secret, str) or len(secret.encode()) != 32:
        raise ZegoTokenError("the server secret must be 32 characters")
    if effective_seconds <= 0:
        raise ZegoTokenError("a token must be valid for some time")
    created = int(time.time()) if now is None else int(now)
    expire = created + int(effective_seconds)
    plain = {
        "app_id": app_id,
        "user_id": user_id,
        "nonce": secrets.randbelow(2**31) if nonce is None else nonce,
        "ctime": created,
        "expire": expire,
        "payload": payload or "",
    }
    text = json.dumps(plain, separators=(",", ":"), ensure_ascii=False)
    iv = secrets.token_bytes(12) if iv is None else iv
    encrypted = AESGCM(secret.encode()).encrypt(iv, text.encode(), None)  # ciphertext then tag
    packed = (
        struct.pack(">q", expire)
        + struct.pack(">H", len(iv))
        + iv
        + struct.pack(">H", len(encrypted))
        + encrypted
        + bytes([GCM_MODE])
    )
    return VERSION + b64encode(packed).decode()


def meeting_token(config, user_id, room_id, effective_seconds=3600):
    """The token for one user to join one meeting room, from the app's Zego settings."""
    return generate_token04(
        config["ZEGO_APP_ID"], str(user_id), config["ZEGO_SERVER_SECRET"], effective_seconds, room_payload(room_id)
    )


def enabled(config):
    """True when meetings go through ZegoCloud rather than our own WebRTC mesh."""
    return bool(config.get("ZEGO_APP_ID") and config.get("ZEGO_SERVER_SECRET"))
