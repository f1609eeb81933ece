"""The brokers: events reach the subscriber, stay within their prefix, and a lost subscription resyncs."""

import queue
import threading
import time

from socialapp.realtime.broker import MemoryBroker, RedisBroker
from tests.support.services import redis_test_url, subscription_client_id


class Subscriber:
    """Runs a broker's loop on a thread, collecting what it hands over and counting resyncs."""

    def __init__(self, broker):
        self.broker, self.events, self.resyncs = broker, queue.Queue(), 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=broker.run, args=(self.handle, self.resync, self.stopped), daemon=True)
        self.thread.start()

    def handle(self, channel, event):
        self.events.put((channel, event))

    def resync(self):
        self.resyncs += 1

    def next(self, timeout=5):
        return self.events.get(timeout=timeout)

    def stop(self):
        self.stopped.set()
        self.thread.join(5)


def publish_until_heard(broker, subscriber, channel, event, timeout=5):
    """Publish until the subscriber hears it: a pub/sub subscription starts some time after the thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        broker.publish(channel, event)
        try:
            return subscriber.next(timeout=0.2)
        except queue.Empty:
            continue
    raise AssertionError("the subscriber never heard the event")


def test_the_memory_broker_hands_events_to_its_subscriber_in_order():
    broker = MemoryBroker()
    subscriber = Subscriber(broker)
    for n in range(3):
        broker.publish("user:7", {"kind": "ping", "n": n})
    assert [subscriber.next() for _ in range(3)] == [("user:7", {"kind": "ping", "n": n}) for n in range(3)]
    subscriber.stop()


def test_redis_carries_user_and_broadcast_events_within_its_prefix(redis_prefix):
    broker = RedisBroker(redis_test_url(), redis_prefix)
    stranger = RedisBroker(redis_test_url(), redis_prefix + "-other")  # another instance on the same Redis
    subscriber = Subscriber(broker)
    assert publish_until_heard(broker, subscriber, "user:7", {"kind": "ping"}) == ("user:7", {"kind": "ping"})
    while not subscriber.events.empty():
        subscriber.next()
    stranger.publish("user:7", {"kind": "not for us"})
    broker.publish("broadcast", {"kind": "presence", "user_id": 7, "online": True})
    assert subscriber.next() == ("broadcast", {"kind": "presence", "user_id": 7, "online": True})
    assert subscriber.resyncs == 0
    subscriber.stop()


def test_a_dropped_redis_subscription_comes_back_and_asks_for_a_resync(redis_prefix):
    import redis

    broker = RedisBroker(redis_test_url(), redis_prefix)
    subscriber = Subscriber(broker)
    publish_until_heard(broker, subscriber, "user:1", {"kind": "ping"})
    admin = redis.Redis.from_url(redis_test_url())
    # As when Redis restarts or the network drops: events published meanwhile are gone, so pages must refetch.
    killed = admin.client_kill_filter(_id=subscription_client_id(admin, broker.client_name))
    assert killed == 1
    assert publish_until_heard(broker, subscriber, "user:2", {"kind": "after"}) == ("user:2", {"kind": "after"})
    assert subscriber.resyncs == 1
    subscriber.stop()


def test_more_threads_than_redis_connections_wait_their_turn_instead_of_failing(redis_prefix):
    from concurrent.futures import ThreadPoolExecutor

    from socialapp.realtime.presence import RedisPresence

    broker = RedisBroker(redis_test_url(), redis_prefix, max_connections=3)
    presence = RedisPresence(broker.redis, redis_prefix)

    def arrive(user_id):
        presence.connected(user_id)
        broker.publish(f"user:{user_id}", {"kind": "ping"})
        return presence.online([user_id])

    with ThreadPoolExecutor(max_workers=60) as pool:
        results = list(pool.map(arrive, range(300)))
    assert results == [{user_id} for user_id in range(300)]
    assert broker.redis.connection_pool.max_connections == 3
