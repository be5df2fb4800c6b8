"""The one exception type that reaches the user as a one-line message."""


class UserError(Exception):
    """A problem with the user's input that they can fix.

    The CLI prints ``error: <message>`` and exits non-zero without a traceback, so the
    message must be one line that says what is wrong and what to do about it.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
