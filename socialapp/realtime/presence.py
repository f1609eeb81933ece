"""Who is online: a user with at least one open socket on any worker.

With Redis, each process keeps, per connected user, a member in a sorted set scored by an expiry time and
refreshes it by heartbeat; a killed worker stops refreshing, so its users drop off within the expiry.
A user whose last socket closes stays online for a short grace: moving to another page closes the socket
and opens a new one, and telling everyone "offline, online" on each page view would be noise and load.

Each process also records how many sockets it holds per user (`mark`, renewed by the heartbeat), so that
`sockets(user_id)` counts a user's open sockets on every worker, for the cap on sockets per user.
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

    def refresh(self, counts):
        pass

    def sockets(self, user_id):
        return self.counts.get(user_id, 0)

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

    def _count_key(self, user_id):
        return f"{self.prefix}:sockets:{user_id}"  # process token -> its open sockets of this user

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
        with self.redis.pipeline() as pipe:
            if count:
                pipe.hset(self._count_key(user_id), self.token, count)
                pipe.expire(self._count_key(user_id), EXPIRY * 2)
            else:  # keep this process's presence entry for the grace only
                pipe.hdel(self._count_key(user_id), self.token)
                pipe.zadd(self._key(user_id), {self.token: time.time() + self.grace})
            pipe.execute()

    def disconnected(self, user_id):
        return self.redis.zcount(self._key(user_id), time.time(), "+inf") == 0

    def refresh(self, counts):
        """Renew this process's entries for the users it holds sockets of ({user id: how many})."""
        expires = time.time() + EXPIRY
        with self.redis.pipeline() as pipe:
            for user_id, count in counts.items():
                pipe.zadd(self._key(user_id), {self.token: expires})
                pipe.expire(self._key(user_id), EXPIRY * 2)
                pipe.hset(self._count_key(user_id), self.token, count)
                pipe.expire(self._count_key(user_id), EXPIRY * 2)
            pipe.execute()

    def sockets(self, user_id):
        """How many sockets `user_id` has open on all workers that are alive (a killed worker's count
        is left out once its presence entry expires)."""
        with self.redis.pipeline() as pipe:
            pipe.zrangebyscore(self._key(user_id), time.time(), "+inf")
            pipe.hgetall(self._count_key(user_id))
            alive, counts = pipe.execute()
        alive = set(alive)
        dead = [token for token in counts if token not in alive]
        if dead:
            self.redis.hdel(self._count_key(user_id), *dead)
        return sum(int(count) for token, count in counts.items() if token in alive)

    def online(self, user_ids):
        now = time.time()
        with self.redis.pipeline() as pipe:
            for user_id in user_ids:
                pipe.zcount(self._key(user_id), now, "+inf")
            counts = pipe.execute()
        return {uid for uid, count in zip(user_ids, counts, strict=True) if count}
