"""Reading mail the app wrote to its outbox folder, or that the test SMTP server received."""

import email
import email.policy
import os
import re

LINK_RE = re.compile(r"https?://[^\s\"<>]+")


def links_in(message):
    """Every link in the plain-text body of `message`."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    return LINK_RE.findall(body)


class Outbox:
    def __init__(self, folder):
        self.folder = folder

    def messages(self):
        if not os.path.isdir(self.folder):
            return []
        names = sorted(os.listdir(self.folder))
        result = []
        for name in names:
            with open(os.path.join(self.folder, name), "rb") as fh:
                result.append(email.message_from_binary_file(fh, policy=email.policy.default))
        return result

    def last(self, to=None):
        messages = [m for m in self.messages() if to is None or to in m["To"]]
        assert messages, f"no mail{' to ' + to if to else ''} in the outbox"
        return messages[-1]

    def last_link(self, to=None):
        return links_in(self.last(to))[0]
