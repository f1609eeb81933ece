"""`flask` commands."""


def register_commands(app):
    """Attach the project's commands to the `flask` command line."""
