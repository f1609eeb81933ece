"""Where uploaded media live: a folder on this host (the default) or an S3-compatible object store.

Every file is named by a key, a relative path with "/" between parts (`u/<user id>/img/<key>-w640.webp`),
the same in both stores: a local file sits at MEDIA_ROOT/<key>, an object at <S3_KEY_PREFIX><key> in
S3_BUCKET. Pictures are written once under a random key and never changed, so neither store needs
locking or versions.

The app stays the one that decides who may see a file (`blueprints/profiles/routes.py: media`): it reads
the file through `open` and sends it (or, for local files behind nginx, hands the path to nginx), so the
store itself never needs to be reachable from browsers, and the Content Security Policy stays 'self'.

Local storage serves one host. Several app hosts share an object store (MEDIA_STORAGE=s3): S3, MinIO,
Ceph, Garage, or any service speaking the S3 API (docs/scaling.md).
"""

import contextlib
import os
import shutil
import tempfile
import uuid

from flask import current_app

from socialapp.services.errors import ServiceError

# Bytes read at once when a file is copied (into a response, a zip, a backup): a few pages of memory.
CHUNK = 64 * 1024


class NotStored(Exception):
    """No file is stored under that key."""


class Unavailable(ServiceError):
    """The store could not be read or written (not answering, refusing our credentials): the server's
    fault, for now. Raised from an upload, it reaches the person as a 503 with this message, and the post
    or picture is not made."""

    status = 503

    def __init__(self, detail=""):
        super().__init__("Pictures cannot be stored right now. Please try again in a few minutes.")
        self.detail = detail


def media_prefix(user_id):
    """The key prefix of every file a user uploads, so deleting the account removes them all."""
    return f"u/{int(user_id)}/"


def _check_key(key):
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key or "\0" in key:
        raise ValueError(f"bad media key {key!r}")
    return key


class LocalStorage:
    """Files under a folder of this host (MEDIA_ROOT). Top-level names starting with a dot are a
    restore's own working folders, never media."""

    kind = "local"

    def __init__(self, root):
        self.root = os.path.abspath(root)

    def prepare(self):
        os.makedirs(self.root, exist_ok=True)

    def path(self, key):
        """The file's absolute path (for send_file and nginx's X-Accel-Redirect)."""
        return os.path.join(self.root, *_check_key(key).split("/"))

    def save(self, key, data, content_type=None):
        """Store `data` (bytes) under `key`."""
        path = self.path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(data)

    def open(self, key):
        """The stored file, open for reading in chunks; NotStored when there is none."""
        try:
            return open(self.path(key), "rb")  # noqa: SIM115 (the caller closes it)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotStored(key) from None

    def exists(self, key):
        return os.path.isfile(self.path(key))

    def delete(self, key):
        """Remove one file; a missing one is not an error."""
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path(key))

    def delete_prefix(self, prefix):
        """Remove every file whose key starts with `prefix` (a folder's, ending in "/")."""
        shutil.rmtree(self.path(prefix.rstrip("/")), ignore_errors=True)

    def list(self, prefix=""):
        """(key, size) of every file whose key starts with `prefix`."""
        folder = prefix.rpartition("/")[0]  # walk only the folder the prefix names files in
        start = self.path(folder) if folder else self.root
        for here, folders, names in os.walk(start):
            if here == self.root:
                folders[:] = [f for f in folders if not f.startswith(".")]
                names = [n for n in names if not n.startswith(".")]
            for name in names:
                full = os.path.join(here, name)
                key = os.path.relpath(full, self.root).replace(os.sep, "/")
                if key.startswith(prefix):
                    with contextlib.suppress(FileNotFoundError):
                        yield key, os.path.getsize(full)

    def staging_folder(self):
        """A new folder for a restore to unpack media into: inside MEDIA_ROOT (which may be a mount), so
        that `replace_all` moves it in by renames."""
        self.prepare()
        return tempfile.mkdtemp(prefix=".restore-", dir=self.root)

    def replace_all(self, staging):
        """Make the files under the folder `staging` the whole of the store: what was there before is
        replaced, not merged."""
        replaced = os.path.join(self.root, f".replaced-{uuid.uuid4().hex}")
        os.mkdir(replaced)
        for name in os.listdir(self.root):
            if not name.startswith("."):
                os.rename(os.path.join(self.root, name), os.path.join(replaced, name))
        for name in os.listdir(staging):
            os.rename(os.path.join(staging, name), os.path.join(self.root, name))
        shutil.rmtree(replaced)


class S3Storage:
    """Objects in a bucket of an S3-compatible store. Credentials come the way boto3 finds them
    (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""

    kind = "s3"

    def __init__(self, bucket, prefix="", endpoint_url=None, region=None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix
        config = Config(
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
            # One pooled connection per thread that reads or writes at once; more wait their turn.
            max_pool_connections=int(os.environ.get("S3_MAX_CONNECTIONS", "50")),
        )
        # A client is safe to share between threads; one per process.
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
        )

    def prepare(self):
        """Nothing to make: the bucket is the operator's (docs/deploy.md)."""

    def _name(self, key):
        return self.prefix + _check_key(key)

    def _missing(self, error):
        return error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")

    @contextlib.contextmanager
    def _answering(self):
        """The store's own failures (not answering, refusing our credentials) raised as Unavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise Unavailable(str(error)) from error

    def save(self, key, data, content_type=None):
        extra = {"ContentType": content_type} if content_type else {}
        with self._answering():
            self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, **extra)

    def open(self, key):
        """The object's body, a stream read in chunks; NotStored when there is none."""
        from botocore.exceptions import ClientError

        with self._answering():
            try:
                found = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
            except ClientError as error:
                if self._missing(error):
                    raise NotStored(key) from None
                raise
        return StoredObject(found["Body"], found["ContentLength"])

    def exists(self, key):
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                return False
            raise
        return True

    def delete(self, key):
        with self._answering():
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def _delete_names(self, names):
        for start in range(0, len(names), 1000):  # DeleteObjects takes at most 1000 keys
            objects = [{"Key": name} for name in names[start : start + 1000]]
            with self._answering():
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})

    def delete_prefix(self, prefix):
        self._delete_names([self._name(key) for key, _ in self.list(prefix)])

    def list(self, prefix=""):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        with self._answering():
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"][len(self.prefix) :], item["Size"]

    def staging_folder(self):
        """A new folder on this host for a restore to unpack media into before they are uploaded."""
        return tempfile.mkdtemp(prefix="socialapp-restore-", dir=current_app.config.get("EXPORT_TEMP_DIR") or None)

    def replace_all(self, staging):
        """Upload every file under `staging`, then delete every object the backup does not hold."""
        kept = set()
        for folder, _, names in os.walk(staging):
            for name in names:
                full = os.path.join(folder, name)
                key = os.path.relpath(full, staging).replace(os.sep, "/")
                self.client.upload_file(full, self.bucket, self._name(key), ExtraArgs=_content_type(key))
                kept.add(key)
        self._delete_names([self._name(key) for key, _ in self.list() if key not in kept])


class StoredObject:
    """An object's body as it arrives, read like a file; `size` in bytes."""

    def __init__(self, body, size):
        self.body, self.size = body, size

    def read(self, size=-1):
        return self.body.read(None if size is None or size < 0 else size)

    def close(self):
        self.body.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _content_type(key):
    from socialapp.services.images import EXTENSIONS

    extension = key.rpartition(".")[2]
    return {"ContentType": EXTENSIONS[extension][1]} if extension in EXTENSIONS else {}


def from_config(config):
    """The store MEDIA_STORAGE names, built from the app's settings."""
    kind = config.get("MEDIA_STORAGE") or "local"
    if kind == "local":
        return LocalStorage(config["MEDIA_ROOT"])
    if kind == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("MEDIA_STORAGE=s3 needs S3_BUCKET, the bucket that holds the media.")
        return S3Storage(
            config["S3_BUCKET"],
            prefix=config.get("S3_KEY_PREFIX") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
        )
    raise RuntimeError(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}.")


def init_app(app):
    store = from_config(app.config)
    store.prepare()
    app.extensions["media_storage"] = store


def media():
    """The current app's store."""
    return current_app.extensions["media_storage"]


def copy(source, target):
    """Copy the open file `source` into the open file `target`, CHUNK bytes at a time."""
    while chunk := source.read(CHUNK):
        target.write(chunk)
