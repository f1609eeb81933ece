"""Entry point for gunicorn (`gunicorn wsgi:app`) and for the `flask` command."""

from socialapp import create_app

app = create_app()
