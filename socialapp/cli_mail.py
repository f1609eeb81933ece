"""`flask send-mail`."""

import click

from socialapp.services import mail


def register(app):
    @app.cli.command("send-mail")
    @click.option("--due-only", is_flag=True, help="Only the messages whose next retry time has come.")
    def send_mail_command(due_only):
        """Send the mail waiting in the outbox (what the mail server refused earlier)."""
        sent = mail.send_waiting(everything=not due_only)
        waiting = mail.waiting_count()
        click.echo(f"Sent {sent} message{'s' if sent != 1 else ''}; {waiting} still waiting.")
        if waiting and not due_only:
            raise click.ClickException("The mail server refused some messages; they stay in the outbox.")
