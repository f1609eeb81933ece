"""The per-process hub: this process's open sockets, its subscriber thread and its heartbeat."""

import logging
import threading
import time

from socialapp.realtime import RENDERERS
from socialapp.realtime.broker import MemoryBroker, RedisBroker, start_thread
from socialapp.realtime.presence import HEARTBEAT, MemoryPresence, RedisPresence

log = logging.getLogger(__name__)
# Broadcast kinds, sent in one message per socket per tick, the latest per user, so hundreds of arrivals
# a second cost each socket one send rather than hundreds.
COALESCED = {"presence"}
# Kinds only a page that shows them asks for (/ws?want=kind); other pages are not sent them.
ASKED_FOR = COALESCED | {"new_post"}
TICK = 0.25


class Client:
    """One open socket of one user, and the broadcast kinds its page asked for (`wants`)."""

    def __init__(self, user_id, ws, wants=()):
        self.user_id = user_id
        self.ws = ws
        self.wants = frozenset(wants) & ASKED_FOR
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
        self.leaving = {}  # user id -> when to check whether they went offline
        self.pending = {}  # (kind, user id) -> latest coalesced broadcast event
        self.stopped = threading.Event()
        self.started = False

    def publish(self, channel, event):
        self.broker.publish(channel, event)

    def start(self):
        """Start the subscriber and heartbeat threads, once, when the first socket opens."""
        with self.lock:
            if self.started:
                return
            self.started = True
        start_thread(lambda: self.broker.run(self.dispatch, self.resync_all, self.stopped), "realtime-subscriber")
        start_thread(self.heartbeat, "realtime-heartbeat")

    def add(self, user_id, ws, wants=()):
        self.start()
        client = Client(user_id, ws, wants)
        newly_online = self.presence.connected(user_id)
        with self.lock:
            self.leaving.pop(user_id, None)
            self.clients.setdefault(user_id, set()).add(client)
            self.presence.mark(user_id, len(self.clients[user_id]))
        if newly_online:
            self.publish("broadcast", {"kind": "presence", "user_id": user_id, "online": True})
        return client

    def remove(self, client):
        with self.lock:
            mine = self.clients.get(client.user_id, set())
            mine.discard(client)
            remaining = len(mine)
            if not remaining:
                self.clients.pop(client.user_id, None)
                # Offline only if no socket comes back within the grace (the next page's usually does).
                self.leaving[client.user_id] = time.monotonic() + self.presence.grace
        self.presence.mark(client.user_id, remaining)

    def announce_departures(self):
        """Publish "offline" for users whose grace ended with no socket open on any worker."""
        now = time.monotonic()
        with self.lock:
            due = [uid for uid, at in self.leaving.items() if at <= now and uid not in self.clients]
            for uid in due:
                del self.leaving[uid]
        for user_id in due:
            if self.presence.disconnected(user_id):
                self.publish("broadcast", {"kind": "presence", "user_id": user_id, "online": False})

    def local_clients(self, user_id=None):
        with self.lock:
            if user_id is None:
                return [c for group in self.clients.values() for c in group]
            return list(self.clients.get(user_id, ()))

    def dispatch(self, channel, event):
        """Render the event for each local user it concerns and send it to their sockets."""
        if event.get("kind") not in RENDERERS:
            return
        if channel == "broadcast" and event["kind"] in COALESCED:
            with self.lock:
                self.pending[(event["kind"], event.get("user_id"))] = event
            return
        self.deliver(None if channel == "broadcast" else int(channel.split(":", 1)[1]), [event])

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

        # One app context for all viewers of the event: a broadcast may reach thousands of local sockets.
        with self.app.app_context():
            try:
                for viewer_id, pairs in by_user.items():
                    rendered = {}  # each event once per viewer, however many of their tabs get it
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
            return RENDERERS[event["kind"]](user_id, event)
        except Exception:
            log.exception("rendering %s for user %s failed", event.get("kind"), user_id)
            from socialapp.extensions import db

            db.session.rollback()
            return None

    def resync_all(self):
        """Events may have been lost: ask every page to reconnect, which makes it fetch what it missed."""
        for client in self.local_clients():
            client.close(1012)

    def heartbeat(self):
        """Each tick, send coalesced events and announce who went offline; every HEARTBEAT s, renew presence."""
        next_refresh = 0
        while not self.stopped.wait(TICK):
            try:
                self.flush()
                self.announce_departures()
                if time.monotonic() >= next_refresh:
                    next_refresh = time.monotonic() + HEARTBEAT
                    with self.lock:
                        online_here = list(self.clients)
                    self.presence.refresh(online_here)
            except Exception:
                log.warning("presence heartbeat failed", exc_info=True)
