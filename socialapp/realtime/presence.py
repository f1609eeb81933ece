"""Who is online: a user with at least one open socket on any worker.

With Redis, each process keeps, per connected user, a member in a sorted set scored by an expiry time and
refreshes it by heartbeat; a killed worker stops refreshing, so its users drop off within the expiry.
"""

import time
import uuid

HEARTBEAT = 10
EXPIRY = 30


class MemoryPresence:
    def __init__(self):
        self.counts = {}

    def connected(self, user_id):
        """Record a user's first local socket; True if they were offline before."""
        return self.counts.setdefault(user_id, 0) == 0

    def mark(self, user_id, count):
        self.counts[user_id] = count
        if not count:
            self.counts.pop(user_id, None)

    def disconnected(self, user_id):
        """Record a user's last local socket gone; True if they are now offline everywhere."""
        return user_id not in self.counts

    def refresh(self, user_ids):
        pass

    def online(self, user_ids):
        return {uid for uid in user_ids if self.counts.get(uid)}


class RedisPresence:
    def __init__(self, redis, prefix):
        self.redis = redis
        self.prefix = prefix
        self.token = uuid.uuid4().hex  # this process

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
        if not count:
            self.redis.zrem(self._key(user_id), self.token)

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
