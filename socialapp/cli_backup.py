"""`flask backup` and `flask restore`."""

import os
from datetime import datetime

import click

from socialapp.services import backup, restore


def register(app):
    @app.cli.command("backup")
    @click.argument("archive", required=False)
    @click.option("--allow-empty", is_flag=True, help="Back up even a database without a single row.")
    def backup_command(archive, allow_empty):
        """Back up the database and uploaded media into ARCHIVE (a .tar.gz)."""
        archive = archive or f"socialapp-backup-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"

        def progress(files):
            with click.progressbar(files, label="Media files", show_pos=True) as bar:
                yield from bar

        try:
            manifest = backup.create_backup(archive, progress, allow_empty=allow_empty)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
        total = sum(manifest["rows"].values())
        click.echo(f"Saved {total} rows and {manifest['media_files']} media files to {os.path.abspath(archive)}")

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="Replace the data this instance already has.")
    def restore_command(archive, force):
        """Restore ARCHIVE, made by `flask backup`, into this instance."""

        def progress(members):
            with click.progressbar(members, label="Files", show_pos=True) as bar:
                yield from bar

        try:
            manifest = restore.restore_backup(archive, force=force, progress=progress)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Restored the backup of {manifest['created_at']} ({sum(manifest['rows'].values())} rows).")
