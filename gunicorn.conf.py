"""gunicorn settings for socialapp: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every open WebSocket holds one worker thread while it idles, so workers run many threads (gthread).
Several workers need REDIS_URL, which carries real-time events between them; without it, run one.
"""

import multiprocessing
import os
import signal
import threading

bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
# One worker a core: a worker's threads already overlap their waits on the database, and Python runs one
# of them at a time, so a second worker per core only makes the two take turns (the 500-person load test:
# pages' p50 390 ms with two workers on two cores, 1,000 ms with four; docs/benchmarks.md, "Load test").
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() if os.environ.get("REDIS_URL") else 1))
threads = int(os.environ.get("WEB_THREADS", "500"))
worker_connections = int(os.environ.get("WEB_CONNECTIONS", "5000"))  # gevent only
# Sockets stay open for hours; the app pings them every 25 s, so only truly stuck requests time out.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 20
keepalive = 5
accesslog = None  # the app logs one structured line per request
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# One control socket per instance (gunicorn's default is one per user, so two instances of one user
# collide): in systemd's RuntimeDirectory (/run/socialapp) when there is one, named after the instance's
# prefix and address.
_instance = "{}-{}".format(os.environ.get("REALTIME_PREFIX", "socialapp"), bind).replace("/", "_").replace(":", "_")
control_socket = os.environ.get("CONTROL_SOCKET") or os.path.join(
    os.environ.get("RUNTIME_DIRECTORY") or os.environ.get("TMPDIR") or "/tmp", f"gunicorn-{_instance}.ctl"
)


def post_worker_init(worker):
    """A worker told to stop (SIGTERM: `systemctl reload` starts new workers and stops the old ones, `stop`
    stops all) closes its WebSockets with 1001, going away, at once. Pages reconnect to the new workers and
    catch up; without it, each open socket would hold its thread, and the old worker, until the master
    kills it at graceful_timeout."""
    stop = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        stop(signum, frame)
        hub = getattr(worker.wsgi, "extensions", {}).get("realtime")
        if hub is not None:  # closing sends frames under locks: not inside a signal handler
            threading.Thread(target=hub.close_all, name="close-sockets", daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
