"""Store URLs: the one way every command names an event store.

Accepted forms:

* ``sqlite:///ABSOLUTE/PATH.db`` or ``sqlite://RELATIVE/PATH.db``
* ``jsonl:///ABSOLUTE/DIR`` or ``jsonl://RELATIVE/DIR``
* ``postgresql://USER:PASSWORD@HOST:PORT/DATABASE``

The password of a PostgreSQL URL never leaves this module in clear text: ``str()``
and ``redacted`` both mask it, so a URL can be printed in any error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from eventlog.errors import StoreURLError
from eventlog.redact import redact_url

FILE_SCHEMES = ("sqlite", "jsonl")
SERVER_SCHEMES = ("postgresql",)
SCHEMES = FILE_SCHEMES + SERVER_SCHEMES
NAME_MAX = 255
"""The longest file or directory name most file systems allow, in bytes."""
ACCEPTED = "sqlite:///PATH.db, jsonl:///DIR or postgresql://USER:PASS@HOST:PORT/DB"


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL. ``path`` is set for file stores, the rest for servers."""

    scheme: str
    path: Path | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None

    @property
    def redacted(self) -> str:
        """The URL as it may be shown to a person: the password is replaced by ``***``."""
        if self.path is not None:
            prefix = "///" if self.path.is_absolute() else "//"
            return f"{self.scheme}:{prefix}{str(self.path).lstrip('/')}"
        auth = ""
        if self.user:
            auth = self.user + (":***" if self.password else "") + "@"
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{auth}{self.host}{port}/{self.database}"

    def __str__(self) -> str:
        return self.redacted


def parse_store_url(url: str) -> StoreURL:
    """Parse ``url`` or raise :class:`StoreURLError` saying what is accepted."""
    text = url.strip()
    if "://" not in text:
        raise StoreURLError(f"store URL {text!r} has no scheme; expected {ACCEPTED}")
    scheme = text.split("://", 1)[0].lower()
    if scheme == "postgres":
        scheme = "postgresql"
    if scheme not in SCHEMES:
        raise StoreURLError(f"unknown store scheme {scheme!r}; expected {ACCEPTED}")
    if scheme in FILE_SCHEMES:
        return _parse_file_url(scheme, text)
    return _parse_server_url(scheme, text)


def _parse_file_url(scheme: str, text: str) -> StoreURL:
    raw_path = text.split("://", 1)[1]
    if raw_path in ("", "/"):
        raise StoreURLError(f"store URL {text!r} names no path; expected {ACCEPTED}")
    path = unquote(raw_path)
    if "\x00" in path:
        raise StoreURLError("store URL names a path with a NUL byte (%00)")
    longest = max((len(part.encode()) for part in Path(path).parts), default=0)
    if longest > NAME_MAX:
        raise StoreURLError(
            f"store URL names a file or directory of {longest} bytes; at most {NAME_MAX}"
        )
    return StoreURL(scheme=scheme, path=Path(path))


def _parse_server_url(scheme: str, text: str) -> StoreURL:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        safe = redact_url(text, mask=True)
        raise StoreURLError(f"store URL {safe!r} is malformed ({error})") from None
    database = parts.path.lstrip("/")
    if not parts.hostname or not database:
        safe = redact_url(text, mask=True)
        raise StoreURLError(f"store URL {safe!r} needs a host and a database; expected {ACCEPTED}")
    return StoreURL(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=database,
    )
