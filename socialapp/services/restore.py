"""Restoring a backup: all or nothing.

The whole archive is checked before anything is touched: its members (plain files with safe names, each
once), the manifest, every file's size and SHA-256, and the database dump itself. The media are unpacked
into a folder beside the live ones (local storage) or on this host (object storage). Only then is the
database replaced (in one transaction on PostgreSQL) and the media replaced, not merged: the local folder
swapped for the new one by renames, or the objects uploaded and those the backup does not hold deleted
(services/storage.py: replace_all).
"""

import hashlib
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile

from sqlalchemy import func, inspect, select

from socialapp.extensions import db
from socialapp.services import storage
from socialapp.services.backup import (
    MANIFEST_NAME,
    MEDIA_DIR,
    POSTGRES_NAME,
    SQLITE_NAME,
    BackupError,
    count_rows,
    database_url,
    libpq_url,
    sqlite_snapshot,
)

MANIFEST_FIELDS = {"created_at": str, "backend": str, "rows": dict, "media_files": int}


def _database_is_empty():
    tables = inspect(db.engine).get_table_names()
    user_tables = [t for t in tables if t != "alembic_version"]
    return not user_tables or all(
        db.session.scalar(select(func.count()).select_from(db.metadata.tables[t])) == 0
        for t in user_tables
        if t in db.metadata.tables
    )


def _check_member(member, seen):
    """Refuse a member that a backup never holds: anything but a plain file under a safe, unique name."""
    name = member.name
    if member.isdir() and name.rstrip("/") == MEDIA_DIR:
        return
    safe = name == posixpath.normpath(name) and not name.startswith("/") and ".." not in name.split("/")
    parts = name.split("/")
    media = len(parts) > 1 and parts[0] == MEDIA_DIR and not parts[1].startswith(".")
    if not safe or not (name in (MANIFEST_NAME, SQLITE_NAME, POSTGRES_NAME) or media):
        raise BackupError(f"The archive holds an unexpected entry, {name!r}: it was not made by `flask backup`.")
    if member.isdir():
        return
    if not member.isfile():
        raise BackupError(f"The archive's entry {name!r} is a link or a device, not a file.")
    if name in seen:
        raise BackupError(f"The archive holds {name!r} twice.")
    seen.add(name)


def _read_manifest(archive, names):
    if MANIFEST_NAME not in names:
        raise BackupError("The archive has no manifest.json: it was not made by `flask backup`.")
    try:
        manifest = json.load(archive.extractfile(MANIFEST_NAME))
    except ValueError:
        raise BackupError("The archive's manifest.json is not valid JSON.") from None
    if not isinstance(manifest, dict) or any(not isinstance(manifest.get(k), t) for k, t in MANIFEST_FIELDS.items()):
        raise BackupError("The archive's manifest.json lacks what a backup's manifest holds.")
    return manifest


def _check_manifest(manifest, names):
    backend = database_url().get_backend_name()
    if manifest["backend"] != backend:
        raise BackupError(f"This backup is of a {manifest['backend']} database; this instance uses {backend}.")
    database = SQLITE_NAME if backend == "sqlite" else POSTGRES_NAME
    if database not in names:
        raise BackupError(f"The archive has no {database}.")
    media = {n for n in names if n.startswith(MEDIA_DIR + "/")}
    if len(media) != manifest["media_files"]:
        raise BackupError(f"The manifest lists {manifest['media_files']} media files; the archive holds {len(media)}.")
    if names - media - {database, MANIFEST_NAME}:
        raise BackupError(f"The archive holds more than a backup of a {backend} database: {sorted(names - media)}.")
    listed = manifest.get("files")
    if listed is not None and set(listed) != media | {database}:
        raise BackupError("The archive's files are not the ones its manifest lists.")
    return database


def _unpack(archive, member, target):
    """Copy a member to `target`, returning its {size, sha256}."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    digest = hashlib.sha256()
    with archive.extractfile(member) as source, open(target, "xb") as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return {"size": member.size, "sha256": digest.hexdigest()}


def _unpack_all(archive, members, manifest, workdir, staging, progress):
    """Unpack the database into `workdir` and the media into `staging`, checking each file against the
    manifest; the database file's path."""
    listed, database = manifest.get("files"), None
    for member in progress([m for m in members if m.isfile() and m.name != MANIFEST_NAME]):
        if member.name.startswith(MEDIA_DIR + "/"):
            target = os.path.join(staging, *member.name.split("/")[1:])
        else:
            target = database = os.path.join(workdir, member.name)
        found = _unpack(archive, member, target)
        if listed is not None and listed[member.name] != found:
            raise BackupError(f"{member.name} in the archive is not the file its manifest describes: it is damaged.")
    return database


def _check_dump(database, manifest):
    if database.endswith(SQLITE_NAME):
        try:
            ok, rows = sqlite_snapshot(
                database, lambda c: (c.exec_driver_sql("PRAGMA integrity_check").scalar(), count_rows(c))
            )
        except Exception as error:  # any failure to read it means it cannot be restored
            raise BackupError(f"The database in the archive cannot be read: {error}") from None
        if ok != "ok" or ("files" in manifest and rows != manifest["rows"]):
            raise BackupError("The database in the archive is damaged or does not match its manifest.")
        return
    listed = subprocess.run(["pg_restore", "--list", database], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"The database in the archive cannot be read: {listed.stderr.strip()}")


def _replace_database(database):
    url = database_url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        for suffix in ("-wal", "-shm"):
            if os.path.exists(url.database + suffix):
                os.remove(url.database + suffix)
        source, target = sqlite3.connect(database), sqlite3.connect(url.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    result = subprocess.run([*command, f"--dbname={libpq_url(url)}", database], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, and the database is as it was: {result.stderr.strip()}")


def _check_and_unpack(archive_path, workdir, staging, progress):
    """Check the whole archive and unpack it; (manifest, database file). Nothing live is touched."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members, names = archive.getmembers(), set()
            for member in members:
                _check_member(member, names)
            manifest = _read_manifest(archive, names)
            _check_manifest(manifest, names)
            database = _unpack_all(archive, members, manifest, workdir, staging, progress)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"The archive cannot be read: {error}") from None
    _check_dump(database, manifest)
    return manifest, database


def restore_backup(archive_path, force=False, progress=lambda members: members):
    """Restore an archive made by create_backup into this instance, which must be empty unless `force`;
    `progress` wraps the list of files to unpack (a progress bar). The manifest. A BackupError before the
    database is replaced leaves everything as it was."""
    if not force and not _database_is_empty():
        raise BackupError("This instance already has data. Restore into an empty one, or pass --force to replace it.")
    store = storage.media()
    staging = store.staging_folder()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            manifest, database = _check_and_unpack(archive_path, workdir, staging, progress)
            _replace_database(database)
        store.replace_all(staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
