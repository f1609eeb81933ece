"""`flask seed-demo`."""

import sys

import click

from socialapp.extensions import db
from socialapp.models import User
from socialapp.services import demo


def register(app):
    @app.cli.command("seed-demo")
    @click.option("--offer", is_flag=True, help="Only on an empty instance, and ask first when run interactively.")
    def seed_demo_command(offer):
        """Fill an empty instance with a lively demo network."""
        if offer:
            if db.session.query(User).count() or not sys.stdin.isatty():
                return
            if not click.confirm("This instance is empty. Load a demo network to look around?", default=True):
                return

        def progress(items, label):
            with click.progressbar(list(items), label=label, show_pos=True) as bar:
                yield from bar

        try:
            users = demo.seed_demo(progress)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Demo ready: log in as {users[0].username} (or any of {len(users)} people) "
            f"with the password '{demo.DEMO_PASSWORD}'."
        )
