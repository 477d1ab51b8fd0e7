"""Where the catalog lives, and how it is opened without ever stopping a reader.

The catalog sits beside the store it projects (``events.db`` → ``events.catalog.db``;
a JSONL directory holds ``catalog.db``; a PostgreSQL store's catalog goes in the output
directory, named by the store). When that place cannot be written (an archive on
read-only media), the catalog is kept in memory for the call: a copy of the one on disk
if there is one, brought up to date, or else built from the log. Listing never fails
because its cache cannot be saved.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from projections import catalog_db

if TYPE_CHECKING:
    from eventlog import EventLog, StoreURL


def catalog_path(url: StoreURL, output: Path) -> Path:
    """The catalog file of the store at ``url``."""
    if url.scheme == "sqlite" and url.path is not None:
        return url.path.with_name(f"{url.path.stem}.catalog.db")
    if url.scheme == "jsonl" and url.path is not None:
        return url.path / "catalog.db"
    digest = hashlib.sha256(url.redacted.encode()).hexdigest()[:12]
    return output / f"catalog-{digest}.db"


@contextmanager
def open_catalog(log: EventLog, output: Path) -> Iterator[sqlite3.Connection]:
    """The store's catalog, up to date with the log, on disk when possible."""
    path = catalog_path(log.url, output)
    connection = _on_disk(path, log)
    if connection is None:
        connection = _in_memory(path)
        catalog_db.update(connection, log)
    try:
        yield connection
    finally:
        connection.close()


def _writable(path: Path) -> bool:
    directory = path.parent
    if not directory.is_dir() or not os.access(directory, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def _on_disk(path: Path, log: EventLog) -> sqlite3.Connection | None:
    """The catalog file brought up to date, or None when it cannot be written."""
    if not _writable(path):
        return None
    for attempt in range(2):
        connection: sqlite3.Connection | None = None
        try:
            connection = catalog_db.connect(path)
            catalog_db.update(connection, log)
            return connection
        except sqlite3.DatabaseError as error:
            if connection is not None:
                connection.close()
            damaged = "not a database" in str(error) or "malformed" in str(error)
            if attempt or not damaged:
                return None  # read-only, locked for 30 s: work in memory this time
            path.unlink(missing_ok=True)  # a damaged cache: rebuild it from the log
        except BaseException:
            if connection is not None:
                connection.close()
            raise
    return None


def _in_memory(path: Path) -> sqlite3.Connection:
    if path.is_file():
        try:
            return catalog_db.copy_to_memory(path)
        except sqlite3.DatabaseError:
            pass
    return catalog_db.connect(None)
