"""Credentials out of URLs: the one function that decides what of a URL may be shown or
recorded.

A URL can carry a secret in two places: its userinfo (``user:password@``, or a token
given as the user name) and its query string or fragment (``?api_key=...``,
``#access_token=...``). Recording drops them (the URL still names the server); showing a
URL to a person keeps the user name and masks the rest, so the person can tell which
login was meant.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

SECRET_PARAMETERS = frozenset(
    {
        "key",
        "apikey",
        "api_key",
        "api-key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth",
        "authorization",
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "client_secret",
        "sig",
        "signature",
        "credential",
        "credentials",
        "sslpassword",
        "code",
    }
)
"""Query parameters whose value is a credential (compared case-insensitively)."""

_SECRET_PART = re.compile(r"token|secret|passw|api[-_]?key|signature|credential", re.I)
_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")


def is_secret_parameter(name: str) -> bool:
    """Whether a query parameter called ``name`` holds a credential."""
    lowered = name.strip().lower()
    return lowered in SECRET_PARAMETERS or bool(_SECRET_PART.search(lowered))


def looks_like_url(text: str) -> bool:
    """``scheme://...`` with no white space: a whole string that is a URL."""
    return bool(_HAS_SCHEME.match(text.strip()))


def redact_url(url: str, *, mask: bool = False) -> str:
    """``url`` without credentials.

    ``mask=False`` (what is recorded): userinfo and secret query parameters are dropped.
    ``mask=True`` (what is shown): the user name stays, a password becomes ``***``, a
    lone user name (often a token) becomes ``***``, secret parameters keep their name.
    A URL that cannot be parsed has everything between ``://`` and the last ``@`` hidden.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return _mask_unparsable(url)
    netloc = _netloc(parts, mask)
    query = _clean_query(parts.query, mask)
    fragment = _clean_query(parts.fragment, mask) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _netloc(parts: SplitResult, mask: bool) -> str:
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return parts.netloc
    if not mask:
        return host
    user, colon, _ = userinfo.partition(":")
    if colon and user:
        return f"{user}:{MASK}@{host}"
    return f"{MASK}@{host}"


def _clean_query(query: str, mask: bool) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_parameter(name) for name, _ in pairs):
        return query
    kept = [
        (name, MASK if is_secret_parameter(name) else value)
        for name, value in pairs
        if mask or not is_secret_parameter(name)
    ]
    return urlencode(kept, safe="*")


_PARAMETER = re.compile(r"([?&#;])([^=&#;?]+)=([^&#;]*)")


def _mask_unparsable(text: str) -> str:
    text = _PARAMETER.sub(
        lambda m: f"{m[1]}{m[2]}={MASK}" if is_secret_parameter(m[2]) else m[0], text
    )
    head, sep, rest = text.partition("://")
    if "@" not in rest:
        return text
    auth, _, host = rest.rpartition("@")
    user, colon, _ = auth.partition(":")
    return f"{head}{sep}{user}:{MASK}@{host}" if colon and user else f"{head}{sep}{MASK}@{host}"
