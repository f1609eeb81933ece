"""The per-process hub: this process's open sockets, its subscriber thread, the pool of threads that render
and send pushes, its heartbeat, and what the areas registered (renderers, socket handlers, close handlers,
parts of the "ready" frame).

The subscriber thread only hands each event to a push thread: a user's events always go to the same one
(by user id), in the order they came, so each person receives a conversation's messages in order while
the other threads push to other people meanwhile.

Every call to Redis goes through `redis_call`: while Redis is unreachable, pushes are dropped and presence
answers from this process's own sockets, so no request fails for it. Pages resync when it is back.
"""

import logging
import queue
import threading
import time

from socialapp.localtime import reading_in
from socialapp.realtime.broker import MemoryBroker, RedisBroker, start_thread
from socialapp.realtime.presence import HEARTBEAT, MemoryPresence, RedisPresence

log = logging.getLogger(__name__)
# Broadcast kinds, sent in one message per socket per tick, the latest per user, so hundreds of arrivals
# a second cost each socket one send rather than hundreds.
COALESCED = {"presence"}
# Kinds only a page that shows them asks for (/ws?want=kind); other pages are not sent them.
ASKED_FOR = COALESCED | {"new_post"}
NOTHING_ASKED = frozenset()
TICK = 0.25
# After a call to Redis failed slowly (a Redis that hangs rather than refuses), calls skip it for this
# long, so that it does not cost every request a timeout. A refused connection costs nothing: each call
# tries, so pushes resume the moment Redis is back.
SLOW_FAILURE_SECONDS = 0.1
REDIS_RETRY_SECONDS = 1.0
GOING_AWAY = 1001
SERVICE_RESTART = 1012


class Client:
    """One open socket of one user, the broadcast kinds its page asked for (`wants`), and the time zone
    what it is sent is shown in. Thousands are held at once: slots, and one shared empty set of wants."""

    __slots__ = ("user_id", "ws", "wants", "time_zone", "lock", "socket_id")

    def __init__(self, user_id, ws, wants=(), time_zone=None):
        self.user_id = user_id
        self.ws = ws
        self.wants = frozenset(wants) & ASKED_FOR or NOTHING_ASKED
        self.time_zone = time_zone
        self.lock = threading.Lock()

    def send(self, text):
        with self.lock:
            self.ws.send(text)

    def close(self, code):
        try:
            self.ws.close(reason=code)
        except Exception:  # already closed by the peer
            log.debug("socket already closed", exc_info=True)


class Hub:
    def __init__(self, app):
        self.app = app
        prefix = app.config["REALTIME_PREFIX"]
        if app.config["REDIS_URL"]:
            self.broker = RedisBroker(app.config["REDIS_URL"], prefix, app.config.get("REDIS_MAX_CONNECTIONS", 50))
            self.presence = RedisPresence(self.broker.redis, prefix)
        else:
            self.broker = MemoryBroker()
            self.presence = MemoryPresence()
        self.clients = {}  # user id -> set of Client
        self.lock = threading.Lock()
        self.presence_lock = threading.Lock()  # held while telling presence; never taken under `lock`
        self.leaving = {}  # user id -> when to check whether they went offline
        self.pending = {}  # (kind, user id) -> latest coalesced broadcast event
        self.stopped = threading.Event()
        self.started = False
        self.redis_failing = False
        self.redis_down_until = 0.0  # while in the future, Redis is not tried
        self.renderers = {}  # kind -> fn(viewer_id, event) -> html
        self.handlers = {}  # message type -> fn(user_id, socket_id, data)
        self.close_handlers = []  # fn(user_id, socket_id)
        self.ready_parts = []  # fn(user_id, marks) -> html, for the "ready" frame
        self.sockets_by_id = {}  # socket id -> Client, for the sockets that pages spoke on
        self.sockets_lock = threading.Lock()
        # One queue per push thread, of (user id, event); a user's events all go to the same one.
        self.push_queues = [queue.SimpleQueue() for _ in range(max(1, app.config.get("REALTIME_PUSH_THREADS", 4)))]

    def register(self, live):
        """Take the renderers and handlers of an area's `Live`; a kind or type registered twice is a mistake."""
        for registry, added in ((self.renderers, live.renderers), (self.handlers, live.handlers)):
            clash = registry.keys() & added.keys()
            if clash:
                raise ValueError(f"{live.name} registers {sorted(clash)} again")
            registry.update(added)
        self.close_handlers.extend(live.close_handlers)
        self.ready_parts.extend(live.ready_parts)

    def redis_call(self, fn, *args, fallback=None):
        """`fn(*args)`, or `fallback` when Redis is unreachable (logged once per outage, not raised)."""
        if not self.broker.errors:
            return fn(*args)
        started = time.monotonic()
        if started < self.redis_down_until:
            return fallback
        try:
            result = fn(*args)
        except self.broker.errors:
            if not self.redis_failing:
                log.warning("Redis is unreachable: pushes and presence go without it until it is back", exc_info=True)
            self.redis_failing = True
            if time.monotonic() - started > SLOW_FAILURE_SECONDS:
                self.redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            return fallback
        if self.redis_failing:
            log.info("Redis answers again")
            self.redis_failing = False
        return result

    def publish(self, channel, event):
        """Send an event through the broker; dropped (and logged) when the broker is unreachable."""
        self.redis_call(self.broker.publish, channel, event)

    def online(self, user_ids):
        """Those of `user_ids` with a socket open on any worker; with Redis unreachable, on this one."""
        with self.lock:
            here = {uid for uid in user_ids if uid in self.clients}
        return self.redis_call(self.presence.online, user_ids, fallback=here)

    def open_sockets(self, user_id):
        """How many sockets `user_id` has open, on every worker when Redis answers."""
        here = len(self.local_clients(user_id))
        return max(here, self.redis_call(self.presence.sockets, user_id, fallback=here))

    def start(self):
        """Start the subscriber and heartbeat threads, once, when the first socket opens."""
        with self.lock:
            if self.started:
                return
            self.started = True
        for n, pushes in enumerate(self.push_queues):
            start_thread(lambda pushes=pushes: self.push_loop(pushes), f"realtime-push-{n}")
        start_thread(lambda: self.broker.run(self.dispatch, self.resync_all, self.stopped), "realtime-subscriber")
        start_thread(self.heartbeat, "realtime-heartbeat")

    def add(self, user_id, ws, wants=(), time_zone=None):
        self.start()
        client = Client(user_id, ws, wants, time_zone)
        newly_online = self.redis_call(self.presence.connected, user_id, fallback=False)
        with self.presence_lock:  # so that counts reach presence in the order they changed
            with self.lock:
                self.leaving.pop(user_id, None)
                self.clients.setdefault(user_id, set()).add(client)
                count = len(self.clients[user_id])
            self.redis_call(self.presence.mark, user_id, count)
        if newly_online:
            self.publish("broadcast", {"kind": "presence", "user_id": user_id, "online": True})
        return client

    def remove(self, client):
        with self.presence_lock:
            with self.lock:
                mine = self.clients.get(client.user_id, set())
                mine.discard(client)
                remaining = len(mine)
                if not remaining:
                    self.clients.pop(client.user_id, None)
                    # Offline only if no socket comes back within the grace (the next page's usually does).
                    self.leaving[client.user_id] = time.monotonic() + self.presence.grace
            self.redis_call(self.presence.mark, client.user_id, remaining)

    def announce_departures(self):
        """Publish "offline" for users whose grace ended with no socket open on any worker."""
        now = time.monotonic()
        with self.lock:
            due = [uid for uid, at in self.leaving.items() if at <= now and uid not in self.clients]
            for uid in due:
                del self.leaving[uid]
        for user_id in due:
            if self.redis_call(self.presence.disconnected, user_id, fallback=False):
                self.publish("broadcast", {"kind": "presence", "user_id": user_id, "online": False})

    def local_clients(self, user_id=None):
        with self.lock:
            if user_id is None:
                return [c for group in self.clients.values() for c in group]
            return list(self.clients.get(user_id, ()))

    def dispatch(self, channel, event):
        """Hand the event to the push thread of the user it concerns (which renders it for them and sends it
        to their sockets), or, for a broadcast, keep it for the next tick or deliver it now."""
        if event.get("kind") not in self.renderers:
            return
        if channel == "broadcast":
            if event["kind"] in COALESCED:
                with self.lock:
                    self.pending[(event["kind"], event.get("user_id"))] = event
            else:
                self.deliver(None, [event])
            return
        user_id = int(channel.split(":", 1)[1])
        with self.lock:
            here = user_id in self.clients
        if here:  # most events on a worker are for users whose sockets are on another one
            self.push_queues[user_id % len(self.push_queues)].put((user_id, event))

    def push_loop(self, pushes):
        """One push thread: deliver the events of its users, one after another, until the hub stops."""
        while not self.stopped.is_set():
            try:
                user_id, event = pushes.get(timeout=1.0)
            except queue.Empty:
                continue
            try:
                self.deliver(user_id, [event])
            except Exception:  # one bad event must not end this thread's pushes
                log.exception("pushing %s to user %s failed", event.get("kind"), user_id)

    def flush(self):
        with self.lock:
            events, self.pending = list(self.pending.values()), {}
        if events:
            self.deliver(None, events)

    def deliver(self, user_id, events):
        """Send the sockets of `user_id` (or, for broadcasts, every local socket) the events rendered for
        them, in one message, leaving out kinds that must be asked for and were not."""
        by_user = {}
        for client in self.local_clients(user_id):
            wanted = [e for e in events if e["kind"] not in ASKED_FOR or e["kind"] in client.wants]
            if wanted:
                by_user.setdefault(client.user_id, []).append((client, wanted))
        if not by_user:
            return
        from socialapp.extensions import db

        # One context for all viewers of the event (a broadcast may reach thousands of local sockets), a
        # request's so that the fragments' url_for works without one made per render.
        with self.app.test_request_context("/"):
            try:
                for viewer_id, pairs in by_user.items():
                    rendered = {}  # each event once per viewer, however many of their tabs get it
                    with reading_in(pairs[0][0].time_zone):  # times in the viewer's zone
                        for client, wanted in pairs:
                            html = "".join(self.rendered(rendered, viewer_id, event) for event in wanted)
                            if html:
                                try:
                                    client.send(html)
                                except Exception:  # a socket closing under us; its own thread cleans up
                                    log.debug("send failed", exc_info=True)
            finally:
                db.session.remove()

    def rendered(self, cache, viewer_id, event):
        if id(event) not in cache:
            cache[id(event)] = self.render(viewer_id, event) or ""
        return cache[id(event)]

    def render(self, user_id, event):
        try:
            return self.renderers[event["kind"]](user_id, event)
        except Exception:
            log.exception("rendering %s for user %s failed", event.get("kind"), user_id)
            from socialapp.extensions import db

            db.session.rollback()
            return None

    def close_all(self, code=GOING_AWAY):
        """Close every socket of this process with `code`; the pages reconnect (to another worker, when this one
        is stopping for a reload or a shutdown) and refresh what they show."""
        for client in self.local_clients():
            client.close(code)

    def resync_all(self):
        """Events may have been lost: ask every page to reconnect, which makes it fetch what it missed."""
        self.redis_down_until = 0.0  # the subscription is back, so Redis is: publish again at once
        self.close_all(SERVICE_RESTART)

    def heartbeat(self):
        """Each tick, send coalesced events and announce who went offline; every HEARTBEAT s, renew presence."""
        next_refresh = 0
        while not self.stopped.wait(TICK):
            try:
                self.flush()
                self.announce_departures()
                if time.monotonic() >= next_refresh:
                    next_refresh = time.monotonic() + HEARTBEAT
                    with self.presence_lock:
                        with self.lock:
                            counts = {uid: len(group) for uid, group in self.clients.items()}
                        self.redis_call(self.presence.refresh, counts)
            except Exception:
                log.warning("presence heartbeat failed", exc_info=True)
