"""TURN relay credentials for meetings: the "TURN REST API" scheme that coturn calls `use-auth-secret`.

The app and coturn share one secret (`TURN_SECRET`, coturn's `static-auth-secret`). For each join the
app makes a username that carries its own expiry and the person's id, and a password that is the HMAC
of that username under the secret; coturn recomputes the HMAC and refuses a username whose time has
passed. No account is stored on the TURN server, and nothing is sent to it.
"""

import base64
import hashlib
import hmac
import time


def credentials(secret, user_id, ttl, now=None):
    """The (username, credential) pair that lets `user_id` use the relay for `ttl` seconds from `now`
    (a Unix time, by default the current one).

    username is "<expiry Unix time>:<user id>" and credential is base64(HMAC-SHA1(secret, username)),
    as coturn checks them with `use-auth-secret`. The user id after the colon is what coturn counts
    `user-quota` against, so each person gets the quota, however many credentials they were given."""
    expiry = int(time.time() if now is None else now) + int(ttl)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def enabled(config):
    """Whether this instance hands out TURN credentials (both TURN_URLS and TURN_SECRET are set)."""
    return bool(config.get("TURN_URLS")) and bool(config.get("TURN_SECRET"))


def ice_servers(config, user_id, now=None):
    """The `iceServers` list for `user_id`'s browser in a meeting: the hand-written `ICE_SERVERS`,
    followed, when TURN is configured, by the TURN URLs with credentials made for this person now.

    Call it only for someone who may join the meeting (the room page and the socket's join check that);
    without TURN configured it is exactly `ICE_SERVERS`."""
    servers = list(config["ICE_SERVERS"])
    if enabled(config):
        username, credential = credentials(config["TURN_SECRET"], user_id, config["TURN_TTL"], now)
        servers.append({"urls": list(config["TURN_URLS"]), "username": username, "credential": credential})
    return servers
