"""ZegoCloud Token04: the documented binary layout, the encrypted fields, and the same bytes as the
reference algorithm for a fixed time, nonce and IV. And the room page in Zego mode."""

import json
import struct
import time
from base64 import b64decode, b64encode

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from socialapp.services import meetings, zego

SECRET = "fa94dd0f974cf2e293728a526b028271"  # 32 characters, as Zego's own samples use
APP_ID = 1234567890


def decode(token, secret=SECRET):
    """Unpack a Token04 field by field, as Zego's servers read it."""
    assert token.startswith("04")
    raw = b64decode(token[2:])
    (expire,) = struct.unpack(">q", raw[:8])
    (iv_len,) = struct.unpack(">H", raw[8:10])
    iv = raw[10 : 10 + iv_len]
    at = 10 + iv_len
    (ct_len,) = struct.unpack(">H", raw[at : at + 2])
    encrypted = raw[at + 2 : at + 2 + ct_len]
    mode = raw[at + 2 + ct_len :]
    plain = AESGCM(secret.encode()).decrypt(iv, encrypted, None)
    return {"expire": expire, "iv": iv, "mode": mode, "fields": json.loads(plain), "plain": plain}


def reference_token04(app_id, user_id, secret, effective, payload, ctime, nonce, iv):
    """The reference steps of ZegoCloud's token generators, written out independently of our code:
    compact JSON in their field order, AES-256-GCM keyed by the secret (ciphertext then tag),
    expire | len(iv) | iv | len(ct) | ct | 1, base64, prefixed with "04"."""
    expire = ctime + effective
    plain = json.dumps(
        {"app_id": app_id, "user_id": user_id, "nonce": nonce, "ctime": ctime, "expire": expire, "payload": payload},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    encrypted = AESGCM(secret.encode("utf-8")).encrypt(iv, plain, None)
    buf = bytearray()
    buf += expire.to_bytes(8, "big", signed=True)
    buf += len(iv).to_bytes(2, "big") + iv
    buf += len(encrypted).to_bytes(2, "big") + encrypted
    buf.append(1)
    return "04" + b64encode(bytes(buf)).decode()


def test_a_token_has_the_documented_layout_and_fields():
    before = int(time.time())
    token = zego.generate_token04(APP_ID, "42", SECRET, 3600, zego.room_payload("abcd-efgh-jkmn"))
    parts = decode(token)
    fields = parts["fields"]
    assert list(fields) == ["app_id", "user_id", "nonce", "ctime", "expire", "payload"]
    assert fields["app_id"] == APP_ID and fields["user_id"] == "42"
    assert before <= fields["ctime"] <= int(time.time())
    assert fields["expire"] == fields["ctime"] + 3600 == parts["expire"]
    assert len(parts["iv"]) == 12 and parts["mode"] == b"\x01"
    assert 0 <= fields["nonce"] < 2**31
    assert json.loads(fields["payload"]) == {
        "room_id": "abcd-efgh-jkmn",
        "privilege": {"1": 1, "2": 1},
        "stream_id_list": None,
    }
    assert b" " not in parts["plain"]  # compact JSON, as the reference makes it


def test_a_token_matches_the_reference_algorithm_for_a_known_time_nonce_and_iv():
    iv = b"0123456789ab"
    payload = zego.room_payload("abcd-efgh-jkmn")
    ours = zego.generate_token04(APP_ID, "ada", SECRET, 7200, payload, now=1_700_000_000, nonce=123456, iv=iv)
    assert ours == reference_token04(APP_ID, "ada", SECRET, 7200, payload, 1_700_000_000, 123456, iv)


def test_each_token_gets_a_fresh_iv():
    ivs = {decode(zego.generate_token04(APP_ID, "ada", SECRET, 60))["iv"] for _ in range(20)}
    assert len(ivs) == 20


def test_a_token_cannot_be_read_or_altered_without_the_secret():
    token = zego.generate_token04(APP_ID, "ada", SECRET, 60)
    with pytest.raises(InvalidTag):
        decode(token, secret="x" * 32)
    raw = bytearray(b64decode(token[2:]))
    raw[30] ^= 1  # a flipped bit in the ciphertext fails the GCM tag
    with pytest.raises(InvalidTag):
        decode("04" + b64encode(bytes(raw)).decode())


@pytest.mark.parametrize(
    "args",
    [(0, "ada", SECRET, 60), (APP_ID, "", SECRET, 60), (APP_ID, "x" * 65, SECRET, 60), (APP_ID, "ada", "short", 60)]
    + [(APP_ID, "ada", SECRET, 0)],
)
def test_bad_settings_are_refused(args):
    with pytest.raises(zego.ZegoTokenError):
        zego.generate_token04(*args)


ZEGO = {"ZEGO_APP_ID": APP_ID, "ZEGO_SERVER_SECRET": SECRET}


@pytest.mark.parametrize("app_overrides", [ZEGO], indirect=True)
def test_with_zego_configured_the_room_uses_the_kit_with_a_server_made_token(app, client, make_user, login):
    ada = make_user("ada")
    login(ada)
    meeting = meetings.create_meeting(ada.id, "Zego call")
    response = client.get(f"/meetings/{meeting.room_id}")
    page = response.get_data(as_text=True)
    assert SECRET not in page
    assert "zego-uikit-prebuilt.js" in page
    assert "https://unpkg.com" in response.headers["Content-Security-Policy"]
    token = page.split('data-zego-token="', 1)[1].split('"', 1)[0]
    fields = decode(token)["fields"]
    assert fields["user_id"] == str(ada.id) and fields["app_id"] == APP_ID
    assert json.loads(fields["payload"])["room_id"] == meeting.room_id


def test_without_zego_the_room_is_our_own_and_loads_nothing_from_elsewhere(app, client, make_user, login):
    ada = make_user("ada")
    login(ada)
    meeting = meetings.create_meeting(ada.id, "Own call")
    response = client.get(f"/meetings/{meeting.room_id}")
    assert "zego" not in response.get_data(as_text=True).lower()
    assert "unpkg" not in response.headers["Content-Security-Policy"]
