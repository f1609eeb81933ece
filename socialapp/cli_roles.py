"""`flask set-role`."""

import click

from socialapp.services import accounts, roles


def register(app):
    @app.cli.command("set-role")
    @click.argument("username")
    @click.argument("role", type=click.Choice(roles.ROLES))
    def set_role_command(username, role):
        """Make USERNAME a member, a moderator or an admin."""
        user = accounts.find_by_username(username)
        if user is None:
            raise click.ClickException(f"There is no account named {username}.")
        roles.set_role(user, role)
        click.echo(f"{user.username} is now {'an' if role == 'admin' else 'a'} {role}.")
