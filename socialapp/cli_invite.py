"""`flask invite`: invitation links from the command line."""

import sys

import click

from socialapp.services import invitations
from socialapp.services.errors import InvalidInput
from socialapp.services.mail import site_url

# Above this many links, a progress bar shows how far the batches have got.
PROGRESS_FROM = 200


def register(app):
    @app.cli.command("invite")
    @click.option("--uses", default=1, show_default=True, help="How many people may sign up with each link.")
    @click.option("--expires-in", "days", default=7, show_default=True, help="Days until each link expires.")
    @click.option("--count", default=1, show_default=True, help="How many links to make.")
    def invite_command(uses, days, count):
        """Make invitation links and print them, one a line."""
        try:
            if count >= PROGRESS_FROM:
                with click.progressbar(length=count, label="Making links", file=sys.stderr) as bar:
                    codes = invitations.create_many(count, uses, days, progress=bar.update)
            else:
                codes = invitations.create_many(count, uses, days)
        except InvalidInput as error:
            raise click.ClickException(error.message) from None
        with app.test_request_context():
            for code in codes:
                click.echo(site_url("instance.join", code=code))
