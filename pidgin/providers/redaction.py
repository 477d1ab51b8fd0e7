"""Keep API keys out of everything Pidgin writes: events, logs, errors and transcripts."""

from __future__ import annotations

import re

from eventlog.redact import redact_url

REDACTED = "[redacted]"

SECRET_FIELD = re.compile(r"(api[-_]?key|authorization|secret|token|password|x-goog-api-key)", re.I)
"""Names of mapping keys whose values are always hidden (``tokens_in`` etc. are exempt)."""

_COUNT_FIELD = re.compile(r"tokens?_(in|out)|_tokens$|tokens_per_minute|max_tokens", re.I)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def redact_text(text: str, secrets: list[str]) -> str:
    """``text`` with every occurrence of a secret, any bearer token, and the credentials
    of every URL in it (see :func:`eventlog.redact.redact_url`) replaced."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "://" in text:
        text = _URL.sub(lambda m: redact_url(m.group(0), mask=True), text)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


def is_secret_field(name: str) -> bool:
    """Whether a field called ``name`` holds a credential."""
    return bool(SECRET_FIELD.search(name)) and not _COUNT_FIELD.search(name)


def redact_value(value: object, secrets: list[str]) -> object:
    """``value`` with secrets hidden, recursing into mappings and sequences."""
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and is_secret_field(key)
            else redact_value(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item, secrets) for item in value)
    return value
