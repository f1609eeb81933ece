"""How a service refuses: one exception family, answered by one handler in socialapp/web.py.

A service raises; the route does not catch, and the person gets the error page (or, for htmx, a toast)
with `message` and `status`. Routes that show a form catch `InvalidInput` alone, to show the form again
with what was typed.
"""


class ServiceError(Exception):
    """A request a service refuses: `message` is for the person, `status` is the HTTP status that fits."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotFound(ServiceError):
    """There is no such thing, or the person may not know of it (a block): the two answers are one."""

    status = 404


class Forbidden(ServiceError):
    """The thing exists and the person may see it, but not do this to it (someone else's post)."""

    status = 403


class InvalidInput(ServiceError):
    """What was typed or sent breaks a rule the person can fix: the form comes back with it (422)."""

    status = 422
