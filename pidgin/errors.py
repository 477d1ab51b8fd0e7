"""Errors meant for the user: the CLI prints their message as one line and exits 2."""


class PidginError(Exception):
    """Bad input or a condition the user can fix; the message says what and how."""
