"""Locust users for bench/load_test.py, which sets the LOAD_* variables and starts the server.

Each user logs in to its own account (LOAD_ACCOUNT_PREFIX + a number up to LOAD_ACCOUNTS), holds a
WebSocket to /ws as an open tab does (LOAD_WEBSOCKET=0 leaves it out), and then, waiting LOAD_WAIT
("min,max" seconds) between actions, browses the home feed and its older pages, opens profiles and posts,
likes and unlikes, comments, posts, searches people, and chats. As a browser does, each full page closes
the tab's socket and opens its own, whose URL names the counts the page shows (/ws?bell=N&badge=M, as
app.js writes it); the server's "ready" frame brings what changed, so a page asks for no fragment of its
own. htmx requests carry HX-Request and the CSRF token in X-CSRFToken, as base.html makes them; the login
form posts its csrf_token.

The socket uses websocket-client, which runs cooperatively under Locust's gevent (its sockets are
monkey-patched): one greenlet per user reads pushes and answers pings.
"""

import html
import itertools
import json
import os
import random
import re
import time

import gevent
import websocket
from geventhttpclient.response import HTTPConnectionClosed
from locust import FastHttpUser, events, task
from locust.exception import StopUser

PREFIX = os.environ.get("LOAD_ACCOUNT_PREFIX", "loaduser")
ACCOUNTS = int(os.environ.get("LOAD_ACCOUNTS", "1000"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "load test password 1")
WEBSOCKET = os.environ.get("LOAD_WEBSOCKET", "1") == "1"
WAIT = tuple(float(part) for part in os.environ.get("LOAD_WAIT", "5,15").split(","))
KEEPALIVE_SECONDS = 4
SEARCHES = ["ad", "gra", "lin", "tur", "ho", "mar", "rit", "kn", "all", "dij", "ka", "fr"]

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|"X-CSRFToken": "([^"]+)"')
POST_ID = re.compile(r'id="post-(\d+)"')
LIKE_ACTION = re.compile(r'action="/p/(\d+)/(like|unlike)"')
MORE_POSTS = re.compile(r'class="more-posts" hx-get="([^"]+)"')
PROFILE = re.compile(r'href="/u/([A-Za-z0-9_]+)"')
# The counts a page shows, which its socket's URL names (base.html's bell and chat badge, app.js).
MARKS = {
    "bell": re.compile(r'id="bell"[^>]*data-count="(\d+)"'),
    "badge": re.compile(r'id="chat-badge"[^>]*data-count="(\d+)"'),
}
_numbers = itertools.count(1)
pushes = {"frames": 0}


class Person(FastHttpUser):
    """One person with the site open in a tab."""

    def wait_time(self):
        seconds = random.uniform(*WAIT)
        if seconds >= KEEPALIVE_SECONDS:
            # gunicorn closes a keep-alive connection idle for 5 s (gunicorn.conf.py). A browser that sends on
            # a connection the server just closed tries again on a new one; Locust does not for POSTs, so the
            # person lets go of the connection before a long pause, as the server would.
            self.client.client.clientpool.close()
        return seconds

    def on_start(self):
        self.number = next(_numbers)
        if self.number > ACCOUNTS:
            raise StopUser()
        self.username = f"{PREFIX}{self.number}"
        self.csrf = None
        self.post_ids = []
        self.profiles = []
        self.more_url = None
        self.marks = {}
        self.socket = None
        self.reader = None
        self.login()
        if WEBSOCKET:
            self.open_socket()

    def on_stop(self):
        self.close_socket()

    # Pages and what they show

    def login(self):
        page = self.client.get("/login", name="/login [form]")
        token = CSRF_FIELD.search(page.text or "")
        data = {"login": self.username, "password": PASSWORD, "csrf_token": token and token.group(1)}
        with self.client.post("/login", data=data, catch_response=True) as response:
            if 'action="/logout"' not in (response.text or ""):
                response.failure(f"not logged in: {response.status_code}")
                raise StopUser()
            self.read_page(response.text)

    def read_page(self, text):
        """Keep what a person could click next: posts, people, the older-posts link, the CSRF token."""
        token = CSRF_HEADER.search(text)
        if token:
            self.csrf = token.group(1) or token.group(2)
        ids = POST_ID.findall(text)
        if ids:
            self.post_ids = ids[:20]
        names = [name for name in PROFILE.findall(text) if name != self.username]
        if names:
            self.profiles = list(dict.fromkeys(names))[:20]
        more = MORE_POSTS.search(text)
        self.more_url = html.unescape(more.group(1)) if more else None
        self.marks = {name: found.group(1) for name, pattern in MARKS.items() if (found := pattern.search(text))}

    def page(self, path, name):
        """A full page, then its own socket, in place of the last page's, until the socket is ready."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return None
            self.read_page(response.text)
        if WEBSOCKET:
            self.close_socket()
            self.open_socket("/ws [page]")
        return response

    def htmx_headers(self):
        return {"HX-Request": "true", "X-CSRFToken": self.csrf or ""}

    def fragment(self, path, name):
        return self.client.get(path, name=name, headers={"HX-Request": "true"})

    def htmx_post(self, path, name, data, retry=True):
        with self.client.post(path, name=name, data=data, headers=self.htmx_headers(), catch_response=True) as sent:
            closed = retry and isinstance(sent.request_meta["exception"], HTTPConnectionClosed)
            if closed:
                # The server closed the connection before answering (an overloaded worker let a keep-alive
                # connection expire): a browser sends again on a new one, and so does this person, with
                # the first try listed on its own line rather than counted as an error.
                sent.request_meta["name"] = f"{name} [connection closed, sent again]"
                sent.success()
        if closed:
            self.client.client.clientpool.close()
            return self.htmx_post(path, name, data, retry=False)
        return sent

    def some_post(self):
        return random.choice(self.post_ids) if self.post_ids else None

    def someone_else(self):
        other = random.randint(1, ACCOUNTS - 1)
        return f"{PREFIX}{other + 1 if other >= self.number else other}"

    # What people do, weighted by how often

    @task(10)
    def home(self):
        self.page("/", "/")

    @task(4)
    def older_posts(self):
        if self.more_url:
            response = self.fragment(self.more_url, "/feed?cursor [older page]")
            more = MORE_POSTS.search(response.text or "")
            self.more_url = html.unescape(more.group(1)) if more else None
        else:
            self.home()

    @task(5)
    def profile(self):
        username = random.choice(self.profiles) if self.profiles else self.someone_else()
        self.page(f"/u/{username}", "/u/[username]")

    @task(4)
    def open_post(self):
        post_id = self.some_post()
        if post_id:
            self.page(f"/p/{post_id}", "/p/[id]")

    @task(4)
    def like_or_unlike(self):
        post_id = self.some_post()
        if not post_id:
            return
        page = self.page(f"/p/{post_id}", "/p/[id]")
        found = LIKE_ACTION.search(page.text if page is not None else "")
        if found:
            self.htmx_post(f"/p/{post_id}/{found.group(2)}", f"/p/[id]/{found.group(2)}", {})

    @task(2)
    def comment(self):
        post_id = self.some_post()
        if post_id:
            body = f"Nice one, @{self.someone_else()}!" if random.random() < 0.3 else "Nice one!"
            self.htmx_post(f"/p/{post_id}/comments", "/p/[id]/comments", {"body": body})

    @task(1)
    def write_post(self):
        body = f"Load test post at {time.time():.0f} #loadtest"
        if random.random() < 0.3:
            body += f" with @{self.someone_else()}"
        self.htmx_post("/posts", "/posts", {"body": body})

    @task(2)
    def search_people(self):
        query = random.choice(SEARCHES)
        self.page(f"/people/search?q={query}", "/people/search [page]")
        self.fragment(f"/people/search?q={query}{random.choice('aeiou')}", "/people/search [typing]")

    @task(3)
    def chat(self):
        other = random.choice(self.profiles) if self.profiles else self.someone_else()
        self.page("/chat/", "/chat/")
        self.page(f"/chat/{other}", "/chat/[username]")
        self.htmx_post(f"/chat/{other}/messages", "/chat/[username]/messages", {"body": "Hello! How are you?"})

    # The tab's socket

    def open_socket(self, name="/ws [connect]"):
        """Open the tab's socket, naming the counts the page shows, and wait for its "ready" frame."""
        host = self.host.split("://", 1)[1]
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.client.cookiejar)
        query = "&".join(f"{mark}={count}" for mark, count in self.marks.items())
        began = time.perf_counter()
        error = None
        try:
            self.socket = websocket.create_connection(
                f"ws://{host}/ws{'?' + query if query else ''}",
                header=[f"Cookie: {cookie}"],
                origin=self.host,
                timeout=30,
            )
            # A push published while the socket registers may come before the "ready" frame; a page swaps
            # either in whatever the order, so they count as pushes here.
            while '"ready"' not in (frame := self.socket.recv()):
                if frame == "":
                    raise ConnectionError("closed by the server before the ready frame")
                pushes["frames"] += 1
        except Exception as exc:
            error = exc
            self.socket = None
        elapsed = (time.perf_counter() - began) * 1000
        events.request.fire(request_type="WS", name=name, response_time=elapsed, response_length=0, exception=error)
        if self.socket is not None:
            self.socket.settimeout(None)
            self.reader = gevent.spawn(self.read_socket)

    def close_socket(self):
        """Close the tab's socket, as leaving a page does."""
        if self.reader is not None:
            self.reader.kill(timeout=1)  # before closing, so that the close is not reported as a drop
            self.reader = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    def read_socket(self):
        """Read pushes until the page is left or the user stops; websocket-client answers the server's pings."""
        socket = self.socket
        try:
            while True:
                frame = socket.recv()
                if frame == "":
                    raise ConnectionError("closed by the server")
                pushes["frames"] += 1
        except (websocket.WebSocketException, ConnectionError, OSError) as error:
            if self.environment.runner and self.environment.runner.state not in ("stopping", "stopped", "cleanup"):
                events.request.fire(
                    request_type="WS", name="/ws [closed]", response_time=0, response_length=0, exception=error
                )


# Requests made while people are still arriving (logging in, opening their socket), kept apart: the run
# uses --reset-stats, so Locust's own tables describe the steady state after everyone has arrived.
arrivals = {"done": False, "requests": {}}


@events.request.add_listener
def _tally_arrivals(request_type, name, response_time, exception=None, **kwargs):
    if not arrivals["done"]:
        times, failures = arrivals["requests"].setdefault(f"{request_type} {name}", ([], [0]))
        times.append(response_time)
        failures[0] += exception is not None


@events.spawning_complete.add_listener
def _arrived(user_count, **kwargs):
    arrivals["done"] = True


@events.quitting.add_listener
def _report(environment, **kwargs):
    print(f"WebSocket frames received: {pushes['frames']}")
    prefix = environment.parsed_options and environment.parsed_options.csv_prefix
    if prefix:
        with open(f"{prefix}_arrivals.json", "w") as fh:
            json.dump({name: [times, failures[0]] for name, (times, failures) in arrivals["requests"].items()}, fh)
