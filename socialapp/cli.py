"""`flask` commands."""


def register_commands(app):
    """Attach the project's commands to the `flask` command line."""
    from socialapp import cli_backup

    cli_backup.register(app)
