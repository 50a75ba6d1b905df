"""Small test doubles for the job tests."""

from django.core.mail.backends.locmem import EmailBackend


class FailAfterOneBackend(EmailBackend):
    """Delivers the first message of a connection to ``mail.outbox``, then loses the mail server."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.delivered = 0

    def send_messages(self, messages):
        if self.delivered >= 1:
            raise ConnectionError("The mail server closed the connection.")
        self.delivered += len(messages)
        return super().send_messages(messages)


class AlwaysFailBackend(EmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise ConnectionError("The mail server is unreachable.")
