"""Who is online: a user with at least one open socket on any worker.

With Redis, each process keeps, per connected user, a member in a sorted set scored by an expiry time and
refreshes it by heartbeat; a killed worker stops refreshing, so its users drop off within the expiry.
A user whose last socket closes stays online for a short grace: moving to another page closes the socket
and opens a new one, and telling everyone "offline, online" on each page view would be noise and load.
"""

import time
import uuid

HEARTBEAT = 10
EXPIRY = 30
GRACE = 5  # seconds a user stays online after their last socket closed


class MemoryPresence:
    def __init__(self):
        self.counts = {}
        self.leaving = {}  # user id -> when the grace after their last socket ends
        self.grace = GRACE

    def connected(self, user_id):
        """Record a user's first local socket; True if they were offline before."""
        was_online = self.counts.get(user_id, 0) > 0 or self.leaving.pop(user_id, 0) > time.time()
        self.counts.setdefault(user_id, 0)
        return not was_online

    def mark(self, user_id, count):
        if count:
            self.counts[user_id] = count
        else:
            self.counts.pop(user_id, None)
            self.leaving[user_id] = time.time() + self.grace

    def disconnected(self, user_id):
        """True if the user has no socket and their grace is over: they are now offline everywhere."""
        if user_id in self.counts or self.leaving.get(user_id, 0) > time.time():
            return False
        self.leaving.pop(user_id, None)
        return True

    def refresh(self, user_ids):
        pass

    def online(self, user_ids):
        now = time.time()
        return {uid for uid in user_ids if self.counts.get(uid) or self.leaving.get(uid, 0) > now}


class RedisPresence:
    def __init__(self, redis, prefix):
        self.redis = redis
        self.prefix = prefix
        self.token = uuid.uuid4().hex  # this process
        self.grace = GRACE

    def _key(self, user_id):
        return f"{self.prefix}:presence:{user_id}"

    def connected(self, user_id):
        key = self._key(user_id)
        now = time.time()
        with self.redis.pipeline() as pipe:
            pipe.zcount(key, now, "+inf")
            pipe.zadd(key, {self.token: now + EXPIRY})
            pipe.expire(key, EXPIRY * 2)
            was_online, _, _ = pipe.execute()
        return was_online == 0

    def mark(self, user_id, count):
        if not count:  # keep this process's entry for the grace only
            self.redis.zadd(self._key(user_id), {self.token: time.time() + self.grace})

    def disconnected(self, user_id):
        return self.redis.zcount(self._key(user_id), time.time(), "+inf") == 0

    def refresh(self, user_ids):
        expires = time.time() + EXPIRY
        with self.redis.pipeline() as pipe:
            for user_id in user_ids:
                pipe.zadd(self._key(user_id), {self.token: expires})
                pipe.expire(self._key(user_id), EXPIRY * 2)
            pipe.execute()

    def online(self, user_ids):
        now = time.time()
        with self.redis.pipeline() as pipe:
            for user_id in user_ids:
                pipe.zcount(self._key(user_id), now, "+inf")
            counts = pipe.execute()
        return {uid for uid, count in zip(user_ids, counts, strict=True) if count}
