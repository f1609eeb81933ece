"""Brokers carry events between processes: Redis pub/sub, or a queue inside one process."""

import json
import logging
import os
import queue
import threading
import time

log = logging.getLogger(__name__)


class MemoryBroker:
    """For one process (the default with no REDIS_URL): a queue and a dispatcher thread."""

    errors = ()  # nothing here can become unreachable

    def __init__(self):
        self.queue = queue.Queue()

    def publish(self, channel, event):
        self.queue.put((channel, json.dumps(event)))

    def run(self, handle, on_reconnect, stopped):
        while not stopped.is_set():
            try:
                channel, data = self.queue.get(timeout=1)
            except queue.Empty:
                continue
            try:
                handle(channel, json.loads(data))
            except Exception:  # one bad event must not end this process's pushes
                log.exception("handling an event on %s failed", channel)


class RedisBroker:
    """Redis pub/sub under a key prefix; the subscriber reconnects by itself after Redis restarts."""

    def __init__(self, url, prefix, max_connections=50):
        import redis

        # What a call to an unreachable or failing Redis raises: the hub logs these and goes on.
        self.errors = (redis.RedisError, OSError)
        self.prefix = prefix
        # Named, so an operator (or a test) can tell this process's connections apart in CLIENT LIST.
        self.client_name = f"{prefix}:{os.getpid()}:{id(self):x}"
        # A blocking pool: past `max_connections` a thread waits for a free connection instead of failing
        # with "Too many connections" (redis-py's default pool), which a burst of sockets would cause.
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=5,
            # A Redis that stops answering must not hold a request for long: the push is best effort.
            socket_connect_timeout=1,
            socket_timeout=3,
            socket_keepalive=True,
            health_check_interval=15,
            client_name=self.client_name,
        )
        self.redis = redis.Redis(connection_pool=pool)

    def publish(self, channel, event):
        self.redis.publish(f"{self.prefix}:{channel}", json.dumps(event))

    def run(self, handle, on_reconnect, stopped):
        import redis

        users = f"{self.prefix}:user:*"
        subscribed_before = False
        lost = False
        while not stopped.is_set():
            pubsub = self.redis.pubsub()
            try:
                pubsub.psubscribe(users, f"{self.prefix}:broadcast")
                while not stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "psubscribe" and message["channel"].decode() == users:
                        # A second confirmation means we were away (redis-py may also resubscribe by itself
                        # after a dropped connection): events published meanwhile are lost, so pages resync.
                        if subscribed_before:
                            log.info("Redis subscription is back; asking pages to resync")
                            on_reconnect()
                        subscribed_before, lost = True, False
                    elif message["type"] == "pmessage":
                        channel = message["channel"].decode()[len(self.prefix) + 1 :]
                        handle(channel, json.loads(message["data"]))
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                if not lost:  # once per outage, not twice a second while it lasts
                    log.warning("lost the Redis subscription; retrying until it is back", exc_info=True)
                lost = True
                time.sleep(0.5)
            except Exception:  # a bad event must not end this worker's pushes for good
                log.exception("the Redis subscriber failed; starting over")
                time.sleep(0.5)
            finally:
                pubsub.close()  # gives its connection back to the pool, whatever happened


def start_thread(target, name):
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
