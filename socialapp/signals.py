"""Signals between areas that must not import each other."""

from blinker import Namespace

_signals = Namespace()

# Sent with the user, inside the transaction, just before an account and all its rows are deleted:
# areas that keep counters on other people's rows (followers, likes) put them right here.
account_deleting = _signals.signal("account-deleting")
