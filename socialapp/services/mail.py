"""Outgoing mail: SMTP when MAIL_SERVER is set, else the console and an outbox folder."""

import logging
import os
import time
import uuid

from flask import current_app, render_template
from flask_mail import Message

from socialapp.extensions import mail

log = logging.getLogger(__name__)


def send_email(to, subject, template, **context):
    """Render `template` (.txt and .html) with `context` and send it to the address `to`."""
    message = Message(
        subject=subject,
        recipients=[to],
        body=render_template(f"{template}.txt", **context),
        html=render_template(f"{template}.html", **context),
    )
    if current_app.config["MAIL_SERVER"]:
        mail.send(message)
        return message
    outbox = current_app.config["MAIL_OUTBOX"]
    os.makedirs(outbox, exist_ok=True)
    path = os.path.join(outbox, f"{time.time():.6f}-{uuid.uuid4().hex[:8]}.eml")
    with open(path, "wb") as fh:
        fh.write(message.as_bytes())
    log.info("Mail to %s: %s (saved to %s)\n%s", to, subject, path, message.body)
    return message
