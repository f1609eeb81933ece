"""All configuration, read from environment variables with defaults that need nothing installed."""

import json
import os

DEFAULT_SECRET_KEY = "dev-insecure-change-me"

# htmx runs from our own files; style attributes carry per-user colours; media for meetings comes from blobs.
# connect-src 'self' covers this site's own ws:// and wss:// (CSP Level 3), and no other host's.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _json(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return json.loads(value)


def _list(name):
    """A comma-separated setting as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _database_url(instance_path):
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "socialapp.sqlite3")
    # Hosting providers hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(database_url):
    options = {"pool_pre_ping": True}
    if not database_url.startswith("sqlite"):
        # Connections a worker keeps open, and how many more it may open in a burst (closed when given
        # back): a gthread worker runs many request threads, and SQLAlchemy's default of 5 kept makes it
        # open and close connections all the time under load. Keep workers x (size + overflow) below
        # the database's max_connections.
        options["pool_size"] = int(os.environ.get("DATABASE_POOL_SIZE", "10"))
        options["max_overflow"] = int(os.environ.get("DATABASE_MAX_OVERFLOW", "10"))
    return options


def from_environment(instance_path):
    """Build the configuration mapping for an app whose instance folder is `instance_path`."""
    redis_url = os.environ.get("REDIS_URL") or None
    database_url = _database_url(instance_path)
    production = os.environ.get("SOCIALAPP_ENV", "development") == "production"
    return {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        # Channel and key prefix in Redis, so that several instances can share one server.
        "REALTIME_PREFIX": os.environ.get("REALTIME_PREFIX", "socialapp"),
        # Redis connections a process may open for pushes and presence; beyond it, threads wait their turn
        # (up to 5 s) rather than fail, so a thousand sockets connecting at once share a few connections.
        "REDIS_MAX_CONNECTIONS": int(os.environ.get("REDIS_MAX_CONNECTIONS", "50")),
        # Threads of a process that render and send pushes. A user's events all go to one of them, in the
        # order they came, so a conversation's messages arrive in order; the others go on meanwhile.
        "REALTIME_PUSH_THREADS": int(os.environ.get("REALTIME_PUSH_THREADS", "4")),
        # flask-sock: a ping every 25 s keeps idle sockets open through proxies.
        "SOCK_SERVER_OPTIONS": {"ping_interval": 25},
        # Sockets one user may keep open on all workers together (one per tab), and may open per account.
        "WS_MAX_SOCKETS_PER_USER": int(os.environ.get("WS_MAX_SOCKETS_PER_USER", "20")),
        "WS_OPEN_RATE_LIMIT": os.environ.get("WS_OPEN_RATE_LIMIT", "60 per minute"),
        # The longest message a page may send on its socket; a meeting's offer with many candidates is a
        # few KB. A longer one closes the socket (1009) before the rest is read.
        "WS_MAX_MESSAGE_BYTES": int(os.environ.get("WS_MAX_MESSAGE_BYTES", str(64 * 1024))),
        # Mail: with no MAIL_SERVER, messages go to the console and to instance/outbox/.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        # Flask-Mail suppresses sending under TESTING; tests use a real SMTP server instead.
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "socialapp <no-reply@localhost>"),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX", os.path.join(instance_path, "outbox")),
        # A mail server that does not answer within this many seconds is a failed attempt, not a stuck request.
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        # Mail the server refused waits in the outbox: retried after this many seconds, then twice as long
        # each time (up to an hour); each process looks for waiting mail at most this often.
        "MAIL_RETRY_SECONDS": int(os.environ.get("MAIL_RETRY_SECONDS", "30")),
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", os.path.join(instance_path, "media")),
        # Behind nginx: the internal location that serves MEDIA_ROOT (e.g. /_media/); the app checks access
        # and answers with X-Accel-Redirect. Empty: the app sends the files itself.
        "MEDIA_ACCEL_REDIRECT": os.environ.get("MEDIA_ACCEL_REDIRECT", ""),
        # Where media live (services/storage.py): "local" (MEDIA_ROOT, one host) or "s3" (an S3-compatible
        # bucket several hosts share; credentials as boto3 finds them, e.g. AWS_ACCESS_KEY_ID and
        # AWS_SECRET_ACCESS_KEY). S3_ENDPOINT_URL for a store other than AWS (MinIO, Ceph, Garage...).
        "MEDIA_STORAGE": os.environ.get("MEDIA_STORAGE", "local"),
        "S3_BUCKET": os.environ.get("S3_BUCKET", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": os.environ.get("S3_REGION") or None,
        "S3_KEY_PREFIX": os.environ.get("S3_KEY_PREFIX", ""),
        # Uploads: a request may carry several images; each image is checked on its own.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(25 * 1024 * 1024))),
        "MAX_IMAGE_BYTES": int(os.environ.get("MAX_IMAGE_BYTES", str(8 * 1024 * 1024))),
        # 25 MP holds the photo of every phone as it takes it by default (12 MP; 24 MP on the latest) and
        # of 24 MP cameras; the largest stored variant is 1600 px wide, so more pixels show nothing more.
        "MAX_IMAGE_PIXELS": int(os.environ.get("MAX_IMAGE_PIXELS", str(25_000_000))),
        # The memory one picture may take to decode (formats that need more a pixel get a lower pixel
        # limit), how many pictures a process decodes at once, and how long an upload waits for its turn
        # before it is refused with "try again": a process's pictures take at most slots x bytes.
        "IMAGE_DECODE_BYTES": int(os.environ.get("IMAGE_DECODE_BYTES", str(200 * 2**20))),
        "IMAGE_DECODE_SLOTS": int(os.environ.get("IMAGE_DECODE_SLOTS", "2")),
        "IMAGE_DECODE_WAIT": float(os.environ.get("IMAGE_DECODE_WAIT", "20")),
        "TOKEN_MAX_AGE": int(os.environ.get("TOKEN_MAX_AGE", str(48 * 3600))),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # What people write, per account (docs/security.md): far above what a person writes, far below
        # what a script floods. A fast typist in chat sends a message every second or two in a burst.
        "POST_RATE_LIMIT": os.environ.get("POST_RATE_LIMIT", "10 per minute; 200 per day"),
        "COMMENT_RATE_LIMIT": os.environ.get("COMMENT_RATE_LIMIT", "20 per minute; 500 per day"),
        "CHAT_MESSAGE_RATE_LIMIT": os.environ.get("CHAT_MESSAGE_RATE_LIMIT", "30 per 10 seconds; 1000 per hour"),
        "REPORT_RATE_LIMIT": os.environ.get("REPORT_RATE_LIMIT", "20 per hour; 100 per day"),
        # Each call rings the other person: a few a minute is plenty.
        "CALL_RATE_LIMIT": os.environ.get("CALL_RATE_LIMIT", "5 per minute; 100 per day"),
        # "Export my data" reads the whole account and writes a zip of it: a few a day is all anyone needs.
        "EXPORT_RATE_LIMIT": os.environ.get("EXPORT_RATE_LIMIT", "3 per hour; 10 per day"),
        # Rows an export reads per query, and where it writes the zip while it is sent (the system's
        # temporary folder when empty; it needs room for the largest account's pictures).
        "EXPORT_BATCH_SIZE": int(os.environ.get("EXPORT_BATCH_SIZE", "500")),
        "EXPORT_TEMP_DIR": os.environ.get("EXPORT_TEMP_DIR", ""),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Rate-limit counters carry the instance's prefix too, so two instances on one Redis count apart.
        "RATELIMIT_KEY_PREFIX": os.environ.get("REALTIME_PREFIX", "socialapp"),
        # With Redis unreachable, limits are counted in the process's memory instead of failing requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # The site's address (social.example.org): links in mail and the socket Origin check use it, never
        # the Host or X-Forwarded-Host a request came with. Required in production.
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        # How many reverse proxies (nginx, a load balancer) stand in front and set X-Forwarded-For and -Proto.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "CONTENT_SECURITY_POLICY": os.environ.get("CONTENT_SECURITY_POLICY", DEFAULT_CSP),
        "HSTS": production,
        # Meetings: STUN/TURN servers as RTCPeerConnection's iceServers JSON (none needed on a LAN),
        # a mesh of at most this many people, and ZegoCloud's prebuilt kit when both Zego values are set.
        "ICE_SERVERS": _json("ICE_SERVERS", []),
        # A TURN relay (coturn with use-auth-secret): its URLs, comma-separated, and the secret shared with
        # coturn's static-auth-secret. Each join gets credentials of its own that expire after TURN_TTL
        # seconds (docs/meetings.md): 12 hours, so that a tab that stays in a long meeting can still relay
        # to someone who joins at its end; a rejoin gets new ones. Nothing set: no TURN, as before.
        "TURN_URLS": _list("TURN_URLS"),
        "TURN_SECRET": os.environ.get("TURN_SECRET") or None,
        "TURN_TTL": int(os.environ.get("TURN_TTL", str(12 * 3600))),
        "MEETING_MAX_PARTICIPANTS": int(os.environ.get("MEETING_MAX_PARTICIPANTS", "6")),
        # SFU mode (docs/meetings.md): with a Janus server configured, meetings send media through its
        # VideoRoom instead of a mesh. JANUS_URL is the WebSocket browsers connect to (wss://, proxied by
        # nginx); JANUS_API_URL is the HTTP API on loopback the app creates and destroys rooms through,
        # with JANUS_API_SECRET (janus.jcfg's api_secret and the VideoRoom's admin_key). Each join gets a
        # token signed with JANUS_TOKEN_SECRET (janus.jcfg's token_auth_secret) that expires after
        # JANUS_TOKEN_TTL seconds, renewed with each heartbeat while the tab stays. Nothing set: the mesh.
        "JANUS_URL": os.environ.get("JANUS_URL") or None,
        "JANUS_API_URL": os.environ.get("JANUS_API_URL") or None,
        "JANUS_API_SECRET": os.environ.get("JANUS_API_SECRET") or None,
        "JANUS_TOKEN_SECRET": os.environ.get("JANUS_TOKEN_SECRET") or None,
        "JANUS_TOKEN_TTL": int(os.environ.get("JANUS_TOKEN_TTL", "300")),
        "MEETING_SFU_MAX": int(os.environ.get("MEETING_SFU_MAX", "25")),
        "ZEGO_APP_ID": int(os.environ.get("ZEGO_APP_ID") or 0) or None,
        "ZEGO_SERVER_SECRET": os.environ.get("ZEGO_SERVER_SECRET") or None,
    }


def check(config):
    """Refuse to run in production with settings that are only safe on a laptop."""
    if config["ENV_NAME"] != "production":
        return
    if config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set to a long random value in production.")
    if not config["SERVER_NAME"]:
        raise RuntimeError(
            "SERVER_NAME must be set to the site's address (social.example.org) in production: "
            "links in mail and the socket origin check must not come from a request's Host header."
        )
    if config.get("TURN_URLS") and not config.get("TURN_SECRET"):
        raise RuntimeError(
            "TURN_URLS is set but TURN_SECRET is not: set TURN_SECRET to the static-auth-secret of the TURN "
            "server (coturn's use-auth-secret), or remove TURN_URLS."
        )
    janus = ("JANUS_URL", "JANUS_API_URL", "JANUS_API_SECRET", "JANUS_TOKEN_SECRET")
    if any(config.get(name) for name in janus) and not all(config.get(name) for name in janus):
        raise RuntimeError(
            "Janus is half configured: set all of " + ", ".join(janus) + " for meetings through Janus "
            "(docs/meetings.md), or none of them for the mesh."
        )
    if config.get("TURN_URLS") and config["TURN_TTL"] < 60:
        raise RuntimeError("TURN_TTL must be at least 60 seconds: browsers use the credentials a while after a join.")
