"""Where the event-store tests find their stores: temporary files, and the test PostgreSQL.

PostgreSQL comes from ``PIDGIN_TEST_POSTGRES_URL``, which ``.ci/run`` sets after starting
a throwaway cluster (``. .ci/postgres.sh`` does the same on a developer's machine). Without
it the PostgreSQL tests are skipped locally, but fail under CI, where they must run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

POSTGRES_ENV = "PIDGIN_TEST_POSTGRES_URL"


def postgres_test_url() -> str:
    """The test server's URL, or skip (fail under CI) when there is none."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"{POSTGRES_ENV} is not set; run `. .ci/postgres.sh` to start a test server"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


def reset_postgres(url: str) -> None:
    """Drop every table of the test database, so a test starts from an empty store."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")


def sqlite_url(directory: Path, name: str = "events.db") -> str:
    return f"sqlite:///{str((directory / name).absolute()).lstrip('/')}"


def jsonl_url(directory: Path, name: str = "log") -> str:
    return f"jsonl:///{str((directory / name).absolute()).lstrip('/')}"


def fresh_store_url(store: str, directory: Path) -> str:
    """An empty store of kind ``store`` (jsonl, sqlite or postgresql) for one test."""
    if store == "jsonl":
        return jsonl_url(directory)
    if store == "sqlite":
        return sqlite_url(directory)
    url = postgres_test_url()
    reset_postgres(url)
    return url
