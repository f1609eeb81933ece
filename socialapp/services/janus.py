"""Meetings through Janus's VideoRoom (SFU mode): the app's side of it.

The app stays the authority over who is in a meeting. Over Janus's HTTP API on loopback, with the API
secret, it creates a meeting's room when its first person joins and destroys it when the last one
leaves; the room is private, its secret is known only to the app, and it admits only the tokens the
app put in its `allowed` list. Each tab the app lets in gets two credentials:

- a Janus token, "<expiry>,janus,janus.plugin.videoroom:<signature>", signed with the secret Janus
  knows as `token_auth_secret`: Janus refuses every request with it once `expiry` has passed, and lets
  it use the VideoRoom and nothing else. The tab gets a fresh one with each heartbeat while it stays;
- a room token, an HMAC of the room and the participant under the API secret: it is in that room's
  `allowed` list from the join until the tab leaves, and in no other room's.

So a credential is the person's (one participant row, one tab), for one room, and expires. Media then
flows between the browsers and Janus directly; names, camera and microphone state still go over the
app's own socket (blueprints/meetings/live.py).
"""

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request

from socialapp.services.errors import ServiceError

PLUGIN = "janus.plugin.videoroom"
REALM = "janus"
TIMEOUT = 5  # seconds for one request to Janus; it answers on loopback in milliseconds
ROOM_EXISTS = 427  # JANUS_VIDEOROOM_ERROR_ROOM_EXISTS
NO_SUCH_ROOM = 426  # JANUS_VIDEOROOM_ERROR_NO_SUCH_ROOM
NO_SUCH_FEED = 428  # JANUS_VIDEOROOM_ERROR_NO_SUCH_FEED


class JanusUnavailable(ServiceError):
    status = 503

    def __init__(self, detail):
        super().__init__("The meeting's media server is not answering. Try again in a moment.")
        self.detail = detail


class JanusError(ServiceError):
    """Janus or its VideoRoom refused a request: `code` is its error code."""

    status = 502

    def __init__(self, code, reason):
        super().__init__(f"The meeting's media server refused: {reason}")
        self.code = code


def enabled(config):
    """Whether meetings go through Janus (all four JANUS_ settings are set) rather than a mesh."""
    names = ("JANUS_URL", "JANUS_API_URL", "JANUS_API_SECRET", "JANUS_TOKEN_SECRET")
    return all(config.get(name) for name in names)


def max_participants(config):
    """How many tabs a meeting holds: MEETING_SFU_MAX through Janus, MEETING_MAX_PARTICIPANTS in a mesh."""
    return config["MEETING_SFU_MAX"] if enabled(config) else config["MEETING_MAX_PARTICIPANTS"]


# ---- Credentials ------------------------------------------------------------------------------------
def browser_token(config, now=None, ttl=None):
    """A Janus token for the VideoRoom that expires `ttl` (JANUS_TOKEN_TTL) seconds from `now`: Janus's
    signed-token format, base64(HMAC-SHA1(token_auth_secret, "<expiry>,janus,<plugin>"))."""
    expiry = int(time.time() if now is None else now) + int(config["JANUS_TOKEN_TTL"] if ttl is None else ttl)
    data = f"{expiry},{REALM},{PLUGIN}"
    digest = hmac.new(config["JANUS_TOKEN_SECRET"].encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(digest).decode('ascii')}"


def room_token(config, room, participant_id):
    """The token that lets one participant into room `room`, and no other; the app can compute it again
    to take it out of the room when the participant leaves, so it is stored nowhere."""
    message = f"room-token:{room}:{participant_id}".encode()
    return hmac.new(config["JANUS_API_SECRET"].encode(), message, hashlib.sha256).hexdigest()[:40]


def _room_secret(config, room):
    # Needed to edit, kick in or destroy a room: browsers may use the plugin, but never know this.
    return hmac.new(config["JANUS_API_SECRET"].encode(), f"room-secret:{room}".encode(), hashlib.sha256).hexdigest()


def join_details(config, meeting_id, participant_id):
    """What a tab needs to publish and subscribe in the meeting's room (sent with meeting.joined)."""
    return {
        "url": config["JANUS_URL"],
        "room": meeting_id,
        "feed": participant_id,
        "token": browser_token(config),
        "room_token": room_token(config, meeting_id, participant_id),
    }


# ---- Janus's HTTP API -------------------------------------------------------------------------------
def _post(config, path, payload):
    payload = {**payload, "transaction": secrets.token_hex(8), "apisecret": config["JANUS_API_SECRET"]}
    request = urllib.request.Request(
        config["JANUS_API_URL"].rstrip("/") + path,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            reply = json.load(response)
    except (OSError, ValueError) as error:  # refused, timed out, or not JSON
        raise JanusUnavailable(str(error)) from error
    if reply.get("janus") == "error":
        raise JanusError(reply["error"]["code"], reply["error"]["reason"])
    return reply


class _VideoRoom:
    """One short Janus session with a VideoRoom handle, for a few synchronous requests."""

    def __init__(self, config):
        self.config = config

    def __enter__(self):
        self.session = _post(self.config, "", {"janus": "create"})["data"]["id"]
        try:
            self.handle = _post(self.config, f"/{self.session}", {"janus": "attach", "plugin": PLUGIN})["data"]["id"]
        except ServiceError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(ServiceError):  # else the session times out on its own
            _post(self.config, f"/{self.session}", {"janus": "destroy"})

    def request(self, body, allow=()):
        """Send one VideoRoom request; returns its answer. Error codes in `allow` are answers too."""
        reply = _post(self.config, f"/{self.session}/{self.handle}", {"janus": "message", "body": body})
        data = reply.get("plugindata", {}).get("data", {})
        if data.get("error_code") and data["error_code"] not in allow:
            raise JanusError(data["error_code"], data.get("error", "unknown error"))
        return data


# ---- Rooms ------------------------------------------------------------------------------------------
def admit(config, meeting_id, participant_ids, publishers):
    """Make sure the meeting's room exists, and let these participants in: the room is created when it
    is missing (the first join, or Janus restarted) with their tokens, else their tokens are added."""
    tokens = [room_token(config, meeting_id, pid) for pid in participant_ids]
    secret = _room_secret(config, meeting_id)
    with _VideoRoom(config) as videoroom:
        created = videoroom.request(
            {
                "request": "create",
                "room": meeting_id,
                "admin_key": config["JANUS_API_SECRET"],
                "secret": secret,
                "description": f"meeting {meeting_id}",
                "is_private": True,
                "permanent": False,
                "publishers": publishers,
                "allowed": tokens,
                "notify_joining": False,
            },
            allow=(ROOM_EXISTS,),
        )
        if created.get("error_code") == ROOM_EXISTS:
            videoroom.request(
                {"request": "allowed", "room": meeting_id, "secret": secret, "action": "add", "allowed": tokens}
            )


def release(config, meeting_id, participant_id, last):
    """The participant left: their token no longer opens the room and their feed is taken out of it
    (a tab that stopped answering may still be publishing); after the `last` one, the room goes."""
    secret = _room_secret(config, meeting_id)
    with _VideoRoom(config) as videoroom:
        if last:
            videoroom.request({"request": "destroy", "room": meeting_id, "secret": secret}, allow=(NO_SUCH_ROOM,))
            return
        token = room_token(config, meeting_id, participant_id)
        allowed = {"request": "allowed", "room": meeting_id, "secret": secret, "action": "remove", "allowed": [token]}
        videoroom.request(allowed, allow=(NO_SUCH_ROOM,))
        kick = {"request": "kick", "room": meeting_id, "secret": secret, "id": participant_id}
        videoroom.request(kick, allow=(NO_SUCH_ROOM, NO_SUCH_FEED))


def room_exists(config, meeting_id):
    """Whether Janus has a room for this meeting now."""
    with _VideoRoom(config) as videoroom:
        return bool(videoroom.request({"request": "exists", "room": meeting_id}).get("exists"))


def allowed_tokens(config, meeting_id):
    """The tokens the meeting's room admits now (Janus's `allowed` list)."""
    secret = _room_secret(config, meeting_id)
    with _VideoRoom(config) as videoroom:
        answer = videoroom.request({"request": "allowed", "room": meeting_id, "secret": secret, "action": "enable"})
    return answer.get("allowed", [])


def feeds(config, meeting_id):
    """The ids of the feeds (participants) in the meeting's room now."""
    with _VideoRoom(config) as videoroom:
        answer = videoroom.request({"request": "listparticipants", "room": meeting_id})
    return sorted(p["id"] for p in answer.get("participants", []))
