"""PostgreSQL stores: the eventsourcing environment for a URL, and a connection check.

The recorders are the library's own (``eventsourcing.postgres``). What this module adds is
what a user sees: before the library's connection pool starts, one direct connection is
tried, so a wrong password, an unknown database or an unreachable host becomes a one-line
error naming the host, instead of a pool timeout. The password never appears in any
message: it is masked wherever the driver might echo it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from eventlog.errors import StoreUnavailableError
from eventlog.url import StoreURL

if TYPE_CHECKING:
    import psycopg

DEFAULT_PORT = 5432
CONNECT_TIMEOUT_SECONDS = 5
INSTALL_HINT = "pip install 'pidgin[postgres]'"
SETUP_LOCK_KEY = 7_246_371_011
"""Advisory lock key taken while a Pidgin process creates the store's tables."""


def postgres_environment(url: StoreURL) -> dict[str, str]:
    """The eventsourcing settings that open ``url`` with the library's PostgreSQL module."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.database or "",
        "POSTGRES_HOST": url.host or "",
        "POSTGRES_PORT": str(url.port or DEFAULT_PORT),
        "POSTGRES_USER": url.user or "",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT_SECONDS),
        # One connection kept open per process, a few more on demand: many Pidgin
        # processes may share one server.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "4",
    }


@contextmanager
def postgres_setup_lock(url: StoreURL) -> Iterator[None]:
    """Check ``url`` can be reached, and hold a database-wide lock while inside.

    The library creates its tables with ``CREATE TABLE IF NOT EXISTS``, which fails with
    "tuple concurrently updated" when several processes run it at once; an advisory lock
    makes them take turns.
    """
    connection = check_postgres(url)
    try:
        connection.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_KEY,))
        yield
    finally:
        connection.close()  # ends the session, which releases the lock


def check_postgres(url: StoreURL) -> psycopg.Connection[Any]:
    """Connect once to ``url``; raise :class:`StoreUnavailableError` saying why not."""
    try:
        import psycopg
    except ImportError:
        raise StoreUnavailableError(
            f"the PostgreSQL store needs the psycopg driver; install it with {INSTALL_HINT}"
        ) from None
    where = f"{url.host}:{url.port or DEFAULT_PORT}"
    try:
        connection = psycopg.connect(
            host=url.host,
            port=url.port or DEFAULT_PORT,
            user=url.user,
            password=url.password,
            dbname=url.database,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except psycopg.Error as error:
        raise StoreUnavailableError(
            f"cannot connect to PostgreSQL at {where} (database {url.database!r}): "
            f"{_reason(str(error), url)}"
        ) from None
    connection.autocommit = True
    return connection


def _reason(message: str, url: StoreURL) -> str:
    """The driver's last informative line, with the password masked."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    reason = lines[-1] if lines else "unknown error"
    for line in reversed(lines):
        if "FATAL" in line or "failed" in line or "refused" in line or "timeout" in line:
            reason = line
            break
    reason = reason.removeprefix("FATAL:").strip()
    if url.password:
        reason = reason.replace(url.password, "***")
    return reason
