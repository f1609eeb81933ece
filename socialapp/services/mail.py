"""Outgoing mail, through an outbox table.

A message is stored in the same commit as what it announces, then sent at once. When the mail server fails,
the request still answers normally: the message waits in the outbox and is sent again after a growing delay,
by a later request of any process or by `flask send-mail`. With no MAIL_SERVER, "sending" writes the
message to the console and to an outbox folder.
"""

import logging
import os
import smtplib
import threading
import time
import uuid
from datetime import timedelta
from functools import partial

from flask import current_app, render_template, url_for
from flask_mail import Message, sanitize_address
from sqlalchemy import delete, exists, func, select, update

from socialapp.extensions import db
from socialapp.models import OutboxMail
from socialapp.models.base import utcnow

log = logging.getLogger(__name__)
MAX_RETRY_DELAY = 3600
_sending = threading.Lock()


def site_url(endpoint, **values):
    """An absolute link for a mail: on the configured site address (SERVER_NAME), whatever Host or
    X-Forwarded-Host the request that sends it came with. Development without SERVER_NAME uses the request's."""
    config = current_app.config
    if config["SERVER_NAME"]:
        return f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}{url_for(endpoint, **values)}"
    return url_for(endpoint, _external=True, **values)


def send_email(to, subject, template, **context):
    """Render `template` (.txt and .html) with `context` for the address `to`, commit it with whatever the
    session holds, and try to send it now. A failure to send is logged and retried later, never raised."""
    mail = OutboxMail(
        recipient=to,
        subject=subject,
        body=render_template(f"{template}.txt", **context),
        html=render_template(f"{template}.html", **context),
    )
    db.session.add(mail)
    db.session.commit()
    _send(mail.id, mail.next_attempt_at)
    return mail


def send_waiting(everything=False):
    """Send the outbox's messages whose retry time has come (all of them with `everything`); how many went."""
    query = select(OutboxMail.id, OutboxMail.next_attempt_at).order_by(OutboxMail.id)
    if not everything:
        query = query.where(OutboxMail.next_attempt_at <= utcnow())
    return sum(_send(mail_id, due) for mail_id, due in db.session.execute(query).all())


def waiting_count():
    """How many messages wait in the outbox."""
    return db.session.scalar(select(func.count()).select_from(OutboxMail))


def mail_delayed():
    """True while a message waits after a failed attempt: pages then say that mail may be late."""
    return db.session.scalar(select(exists().where(OutboxMail.last_error.is_not(None))))


def _claim(mail_id, seen_due):
    """Count an attempt and move the next one forward; False if another process claimed the message first."""
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:
        return None
    delay = min(current_app.config["MAIL_RETRY_SECONDS"] * 2**mail.attempts, MAX_RETRY_DELAY)
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.next_attempt_at == seen_due)
        .values(attempts=OutboxMail.attempts + 1, next_attempt_at=utcnow() + timedelta(seconds=delay))
    ).rowcount
    db.session.commit()
    return mail if claimed else None


def _send(mail_id, seen_due):
    mail = _claim(mail_id, seen_due)
    if mail is None:
        return False
    if mail.created_at < utcnow() - timedelta(seconds=current_app.config["TOKEN_MAX_AGE"]):
        # Its links have expired: sending it now would only confuse.
        log.error(
            "gave up on mail %s to %s after %s attempts: %s", mail.id, mail.recipient, mail.attempts, mail.last_error
        )
        db.session.execute(delete(OutboxMail).where(OutboxMail.id == mail.id))
        db.session.commit()
        return False
    try:
        _deliver(Message(subject=mail.subject, recipients=[mail.recipient], body=mail.body, html=mail.html))
    except (OSError, smtplib.SMTPException) as error:
        log.warning(
            "mail %s to %s not sent (attempt %s), will retry: %r", mail.id, mail.recipient, mail.attempts, error
        )
        mail.last_error = repr(error)[:500]
        db.session.commit()
        return False
    db.session.execute(delete(OutboxMail).where(OutboxMail.id == mail.id))
    db.session.commit()
    return True


def _deliver(message):
    config = current_app.config
    if not config["MAIL_SERVER"]:
        _write_to_folder(message)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        recipients = [sanitize_address(r) for r in message.recipients]
        smtp.sendmail(sanitize_address(message.sender), recipients, message.as_bytes())


def _write_to_folder(message):
    outbox = current_app.config["MAIL_OUTBOX"]
    os.makedirs(outbox, exist_ok=True)
    path = os.path.join(outbox, f"{time.time():.6f}-{uuid.uuid4().hex[:8]}.eml")
    with open(path, "wb") as fh:
        fh.write(message.as_bytes())
    log.info("Mail to %s: %s (saved to %s)\n%s", message.recipients[0], message.subject, path, message.body)


def _retry_after_response(app):
    if not _sending.acquire(blocking=False):
        return  # another thread of this process is at it
    try:
        with app.app_context():
            send_waiting()
    except Exception:
        log.exception("retrying waiting mail failed")
    finally:
        _sending.release()


def init_app(app):
    """Let pages ask whether mail is late, and retry waiting mail after responses (at most every
    MAIL_RETRY_SECONDS per process, once the response has gone, so nobody waits for the mail server)."""
    app.jinja_env.globals["mail_delayed"] = mail_delayed
    next_check = [0.0]

    @app.after_request
    def retry_waiting_mail(response):
        now = time.monotonic()
        if now >= next_check[0]:
            next_check[0] = now + app.config["MAIL_RETRY_SECONDS"]
            response.call_on_close(partial(_retry_after_response, app))
        return response
