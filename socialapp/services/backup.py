"""Backups: the database and the uploaded media in one archive (restoring one is in services/restore.py).

SQLite is copied with its online backup API (consistent while the app runs); PostgreSQL with pg_dump's
custom format, restored by pg_restore. The archive holds the database file, `media/`, and last
`manifest.json`: the row counts of the dump, taken in the same snapshot as the dump, and the size and
SHA-256 of every file in the archive, taken as it was written, so a restore can check all of it first.

The media come from the instance's store, the local folder or the object store alike
(services/storage.py), each file read in chunks as it is written: `media/<key>` in the archive.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime

from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from socialapp.extensions import db
from socialapp.services import storage

MANIFEST_NAME = "manifest.json"
SQLITE_NAME = "database.sqlite3"
POSTGRES_NAME = "database.pgdump"
MEDIA_DIR = "media"
FORMAT = 2  # 1: manifest first, counts taken before the dump, no file list


class BackupError(RuntimeError):
    """A backup or restore cannot go ahead; the message says why."""


def database_url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def libpq_url(url):
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def count_rows(connection):
    """Rows per table of the app, as `connection` sees them."""
    present = set(inspect(connection).get_table_names())
    return {
        table.name: connection.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name in present
    }


def row_counts():
    """Rows per table in this instance's database."""
    return count_rows(db.session.connection())


def sqlite_snapshot(path, work):
    """`work(connection)` on the SQLite file at `path`, read only."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            return work(connection)
    finally:
        engine.dispose()


def _rows_and_revision(connection):
    return count_rows(connection), MigrationContext.configure(connection).get_current_revision()


def _dump_sqlite(workdir):
    path = os.path.join(workdir, SQLITE_NAME)
    source, target = sqlite3.connect(database_url().database), sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return path, *sqlite_snapshot(path, _rows_and_revision)  # counted in the copy itself


def _dump_postgres(workdir):
    path = os.path.join(workdir, POSTGRES_NAME)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
        # pg_dump reads the very snapshot that the counts are taken in, so they agree whatever is written meanwhile.
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        rows, revision = _rows_and_revision(connection)
        command = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={path}"]
        subprocess.run([*command, libpq_url(database_url())], check=True)
    return path, rows, revision


def _media_files():
    """(key, size) of every uploaded file, listed before any is read."""
    return list(storage.media().list())


class _HashingReader:
    """A file that hashes what is read from it."""

    def __init__(self, source):
        self.source, self.digest = source, hashlib.sha256()

    def read(self, size=-1):
        chunk = self.source.read(size)
        self.digest.update(chunk)
        return chunk


def _add_file(archive, path, name):
    """Add the file at `path` as `name`, hashing exactly the bytes written; its {size, sha256}."""
    with open(path, "rb") as source:
        info = archive.gettarinfo(fileobj=source, arcname=name)
        reader = _HashingReader(source)
        archive.addfile(info, reader)
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def _add_media(archive, key, size):
    """Add the stored file `key` as `media/<key>`, as _add_file does; None when it was deleted before it
    could be read."""
    try:
        source = storage.media().open(key)
    except storage.NotStored:
        return None
    info = tarfile.TarInfo(f"{MEDIA_DIR}/{key}")
    info.size, info.mode, info.mtime = size, 0o640, int(datetime.now(UTC).timestamp())
    with source:
        reader = _HashingReader(source)
        archive.addfile(info, reader)
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def _refuse_empty(rows):
    """An archive of a database without a single row is almost always a run without the environment
    (cron with no DATABASE_URL backs up a fresh SQLite file): refuse it."""
    if sum(rows.values()) == 0:
        hint = "" if os.environ.get("DATABASE_URL") else " DATABASE_URL is not set: is the environment loaded?"
        raise BackupError(f"The database {database_url()!r} holds no rows.{hint} Give --allow-empty to back it up.")


def _open_private(path):
    """A new file readable by its owner only: archives hold password hashes and private messages."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def create_backup(archive_path, progress=lambda files: files, allow_empty=False):
    """Write a backup archive to `archive_path` (mode 600); `progress` wraps the list of media files (a
    progress bar). The archive appears under its name only once complete. Refuses a database without a
    row unless `allow_empty`."""
    backend = database_url().get_backend_name()
    partial = f"{archive_path}.partial"
    with tempfile.TemporaryDirectory() as workdir:
        dump = _dump_sqlite if backend == "sqlite" else _dump_postgres
        database_file, rows, revision = dump(workdir)
        if not allow_empty:
            _refuse_empty(rows)
        media = _media_files()
        with _open_private(partial) as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            files = {
                os.path.basename(database_file): _add_file(archive, database_file, os.path.basename(database_file))
            }
            for key, size in progress(media):
                if (added := _add_media(archive, key, size)) is not None:
                    files[f"{MEDIA_DIR}/{key}"] = added
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "backend": backend,
                "schema_revision": revision,
                "rows": rows,
                "media_files": len(files) - 1,
                "files": files,
            }
            manifest_path = os.path.join(workdir, MANIFEST_NAME)
            with open(manifest_path, "w") as fh:
                json.dump(manifest, fh, indent=2)
            archive.add(manifest_path, MANIFEST_NAME)
    os.chmod(partial, 0o600)  # an existing .partial keeps its mode through O_CREAT
    os.replace(partial, archive_path)
    return manifest
