"""Flask extensions, created unbound here and bound in the app factory."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so that migrations can alter them on every database.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
sock = Sock()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def account_key():
    """The rate-limit key of the logged-in account: what people write is limited per account, not per
    address, which many people may share (and one person may change)."""
    return f"account:{current_user.id}"


def per_account(setting, error_message=None):
    """A route's rate limit per logged-in account, as the config value `setting` says (read on every
    request). Put it under @login_required, which must answer visitors first. `error_message`, when given,
    is what the 429 page says instead of the general "Too many attempts"."""
    return limiter.limit(lambda: current_app.config[setting], key_func=account_key, error_message=error_message)


def commit_keeping_loaded():
    """Commit without expiring what the session holds, so the response renders the rows just written
    without loading each again. Only for writes whose values are all set in Python: a value the database
    computes (a counter raised by an UPDATE expression, a server default) would be left stale."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
