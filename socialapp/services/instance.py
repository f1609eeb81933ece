"""Who may join the instance: its join mode, its email domains, and whether members may invite.

The settings live in the database (InstanceSetting, one row a name), are changed by admins on
/admin/instance, and are read by accounts.register through `admit`. The very first account is always
let in, whatever the mode, so a new instance can get its admin.
"""

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from socialapp.extensions import db
from socialapp.models import InstanceSetting, User
from socialapp.services import audit
from socialapp.services.errors import InvalidInput

OPEN, INVITATION, DOMAINS, CLOSED = "open", "invitation", "domains", "closed"
MODES = (OPEN, INVITATION, DOMAINS, CLOSED)
MODE_LABELS = {
    OPEN: "Open: anyone can sign up",
    INVITATION: "By invitation: only people with an invitation link",
    DOMAINS: "Email domains: only addresses at the listed domains",
    CLOSED: "Closed: nobody can sign up",
}
MAX_DOMAINS = 50
DEFAULTS = {"join_mode": OPEN, "join_domains": "", "members_invite": "0"}


class JoinRefused(InvalidInput):
    """Registration is not open to this person under the instance's join mode."""

    status = 403

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field
        self.problems = [(field, message)]  # as an AccountError carries them, for the form


def _get(key):
    value = db.session.scalar(select(InstanceSetting.value).where(InstanceSetting.key == key))
    return DEFAULTS[key] if value is None else value


def _put(key, value):
    row = db.session.get(InstanceSetting, key)
    if row is None:
        db.session.add(InstanceSetting(key=key, value=value))
    else:
        row.value = value


def join_settings():
    """The join settings as a dict: mode, domains (a list), members_invite (a bool)."""
    mode = _get("join_mode")
    return {
        "mode": mode if mode in MODES else OPEN,
        "domains": [d for d in _get("join_domains").split() if d],
        "members_invite": _get("members_invite") == "1",
    }


def normalize_domain(raw):
    """The ASCII (IDNA) lower-case form of a domain, as email-validator normalises an address's, or InvalidInput."""
    raw = (raw or "").strip().lstrip("@").strip()
    try:
        return validate_email(f"x@{raw}", check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError:
        raise InvalidInput(f"{raw or 'That'} is not a domain name such as example.org.") from None


def parse_domains(text):
    """The domains in `text` (separated by spaces, commas or new lines), normalised, without repeats."""
    domains = []
    for raw in (text or "").replace(",", " ").split():
        domain = normalize_domain(raw)
        if domain not in domains:
            domains.append(domain)
    if len(domains) > MAX_DOMAINS:
        raise InvalidInput(f"List at most {MAX_DOMAINS} domains.")
    return domains


def update_join_settings(actor, mode, domains_text, members_invite):
    """Set the join mode, the domain list and whether members may invite, and commit; the new settings.

    The domain mode needs at least one domain, so that it is never a closed instance by mistake.
    """
    if mode not in MODES:
        raise InvalidInput("Choose one of the ways to join.")
    domains = parse_domains(domains_text)
    if mode == DOMAINS and not domains:
        raise InvalidInput("List at least one email domain, such as example.org.")
    _put("join_mode", mode)
    _put("join_domains", " ".join(domains))
    _put("members_invite", "1" if members_invite else "0")
    summary = f"{mode}" + (f" ({', '.join(domains)})" if mode == DOMAINS else "")
    audit.record(actor, "instance.settings", summary + (", members may invite" if members_invite else ""))
    db.session.commit()
    return join_settings()


def domain_allowed(email, domains):
    """True when `email`'s domain (IDNA-normalised, case-insensitive) is one of `domains`."""
    try:
        domain = validate_email((email or "").strip(), check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError:
        return False
    return domain in domains


def _no_accounts_yet():
    return db.session.scalar(select(User.id).limit(1)) is None


def admit(email, invitation_valid):
    """Raise JoinRefused unless someone with `email` may register now.

    `invitation_valid` says whether the person holds a usable invitation link (invitations.usable).
    """
    if _no_accounts_yet():
        return
    settings = join_settings()
    mode = settings["mode"]
    if mode == CLOSED:
        raise JoinRefused("Sign-up is closed on this instance.")
    if mode == INVITATION and not invitation_valid:
        raise JoinRefused("Joining is by invitation: ask a member for a link.")
    if mode == DOMAINS and not domain_allowed(email, settings["domains"]):
        raise JoinRefused(f"Only addresses at {', '.join(settings['domains'])} can join.", "email")


def join_notice(invitation_valid=False):
    """The sentence the sign-up page shows visitors about who may join, or None when anyone may."""
    if _no_accounts_yet():
        return None
    settings = join_settings()
    mode = settings["mode"]
    if mode == CLOSED:
        return "Sign-up is closed on this instance."
    if mode == INVITATION:
        if invitation_valid:
            return "You have an invitation: create your account below."
        return "Joining is by invitation: ask a member for a link."
    if mode == DOMAINS:
        return f"Only addresses at {', '.join(settings['domains'])} can join."
    return None
