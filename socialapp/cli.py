"""`flask` commands."""


def register_commands(app):
    """Attach the project's commands to the `flask` command line."""
    from socialapp import cli_backup, cli_demo, cli_invite, cli_mail, cli_posts, cli_roles

    cli_backup.register(app)
    cli_demo.register(app)
    cli_invite.register(app)
    cli_mail.register(app)
    cli_posts.register(app)
    cli_roles.register(app)
