"""Brokers carry events between processes: Redis pub/sub, or a queue inside one process."""

import json
import logging
import queue
import threading
import time

log = logging.getLogger(__name__)


class MemoryBroker:
    """For one process (the default with no REDIS_URL): a queue and a dispatcher thread."""

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
            handle(channel, json.loads(data))


class RedisBroker:
    """Redis pub/sub under a key prefix; the subscriber reconnects by itself after Redis restarts."""

    def __init__(self, url, prefix):
        import redis

        self.redis = redis.Redis.from_url(url, socket_keepalive=True, health_check_interval=15)
        self.prefix = prefix

    def publish(self, channel, event):
        self.redis.publish(f"{self.prefix}:{channel}", json.dumps(event))

    def run(self, handle, on_reconnect, stopped):
        import redis

        first = True
        while not stopped.is_set():
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(f"{self.prefix}:user:*", f"{self.prefix}:broadcast")
                if not first:
                    on_reconnect()  # events published while we were away are lost: resync the pages
                first = False
                while not stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message["type"] == "pmessage":
                        channel = message["channel"].decode()[len(self.prefix) + 1 :]
                        handle(channel, json.loads(message["data"]))
                pubsub.close()
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                log.warning("lost the Redis subscription; retrying")
                time.sleep(0.5)


def start_thread(target, name):
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
