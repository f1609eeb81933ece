"""Backups: the database and the uploaded media in one archive, and restoring one into an empty instance.

SQLite is copied with its online backup API (consistent while the app runs); PostgreSQL with pg_dump's
custom format, restored by pg_restore. The archive holds `manifest.json`, the database file, and `media/`.
"""

import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime

from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from socialapp.extensions import db

SQLITE_NAME = "database.sqlite3"
POSTGRES_NAME = "database.pgdump"


class BackupError(RuntimeError):
    """A backup or restore cannot go ahead; the message says why."""


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url(url):
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def row_counts():
    """Rows per table, for the manifest and for checking a restore."""
    counts = {}
    for table in db.metadata.sorted_tables:
        if inspect(db.engine).has_table(table.name):
            counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    return counts


def _schema_revision():
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _dump_database(workdir):
    url = _url()
    if url.get_backend_name() == "sqlite":
        path = os.path.join(workdir, SQLITE_NAME)
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return path
    path = os.path.join(workdir, POSTGRES_NAME)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq_url(url)], check=True)
    return path


def _media_files():
    root = current_app.config["MEDIA_ROOT"]
    for folder, _, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            yield full, os.path.join("media", os.path.relpath(full, root))


def create_backup(archive_path, progress=lambda files: files):
    """Write a backup archive to `archive_path`; `progress` wraps the list of media files (a progress bar)."""
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "backend": _url().get_backend_name(),
        "schema_revision": _schema_revision(),
        "rows": row_counts(),
    }
    media = list(_media_files())
    with tempfile.TemporaryDirectory() as workdir, tarfile.open(archive_path, "w:gz") as archive:
        database_file = _dump_database(workdir)
        manifest["media_files"] = len(media)
        manifest_path = os.path.join(workdir, "manifest.json")
        with open(manifest_path, "w") as fh:
            json.dump(manifest, fh, indent=2)
        archive.add(manifest_path, "manifest.json")
        archive.add(database_file, os.path.basename(database_file))
        for full, name in progress(media):
            archive.add(full, name)
    return manifest


def _database_is_empty():
    tables = inspect(db.engine).get_table_names()
    user_tables = [t for t in tables if t != "alembic_version"]
    return not user_tables or all(
        db.session.scalar(select(func.count()).select_from(db.metadata.tables[t])) == 0
        for t in user_tables
        if t in db.metadata.tables
    )


def _restore_database(archive, manifest, workdir):
    url = _url()
    if manifest["backend"] != url.get_backend_name():
        raise BackupError(
            f"This backup is of a {manifest['backend']} database; this instance uses {url.get_backend_name()}."
        )
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        archive.extract(SQLITE_NAME, workdir, filter="data")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(url.database + suffix):
                os.remove(url.database + suffix)
        source = sqlite3.connect(os.path.join(workdir, SQLITE_NAME))
        target = sqlite3.connect(url.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return
    archive.extract(POSTGRES_NAME, workdir, filter="data")
    subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(url)}",
            os.path.join(workdir, POSTGRES_NAME),
        ],
        check=True,
    )


def restore_backup(archive_path, force=False, progress=lambda members: members):
    """Restore an archive made by create_backup into this instance, which must be empty unless `force`."""
    if not force and not _database_is_empty():
        raise BackupError("This instance already has data. Restore into an empty one, or pass --force to replace it.")
    with tempfile.TemporaryDirectory() as workdir, tarfile.open(archive_path, "r:gz") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        _restore_database(archive, manifest, workdir)
        media_root = current_app.config["MEDIA_ROOT"]
        members = [m for m in archive.getmembers() if m.name.startswith("media/") and m.isfile()]
        for member in progress(members):
            member.name = os.path.relpath(member.name, "media")
            archive.extract(member, media_root, filter="data")
    return manifest
