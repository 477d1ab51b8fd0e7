"""``pidgin project --follow``: the DuckDB projection kept up to date as another process
records, on every kind of store, equal to a clean rebuild; Ctrl+C ends it cleanly."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from eventsourcing.persistence import Notification, StoredEvent

from eventlog import open_store
from projections.analysis import ProjectionResult
from projections.analysis.follow import follow_to_duckdb
from tests.conftest import pidgin_process, run_pidgin
from tests.eventlog.stores import fresh_store_url
from tests.projections.test_analysis import synthetic_store, table_contents

DEADLINE_SECONDS = 120


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Until ``condition()`` holds; fail after DEADLINE_SECONDS."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def saved_position(database: Path) -> int | None:
    """The database's position, or None while it is missing or being written."""
    try:
        with duckdb.connect(str(database), read_only=True) as connection:
            found = connection.execute("SELECT position FROM projection_state").fetchone()
    except duckdb.Error:  # not created yet, or the follower has it open right now
        return None
    return None if found is None else int(found[0])


def log_end(url: str) -> int:
    with open_store(url, create=False) as log:
        return log.max_position()


@pytest.mark.parametrize("store", ["sqlite", "jsonl", "postgresql"])
def test_follow_picks_up_another_process_and_equals_a_rebuild(workdir, store):
    url = fresh_store_url(store, workdir)
    chat = ("chat", "-q", "-a", "local:test", "-b", "local:test", "--store", url)
    assert run_pidgin(*chat, "-t", "2", cwd=workdir).returncode == 0
    database = workdir / "follow.duckdb"
    follower = pidgin_process("project", "--follow", "--store", url, str(database), cwd=workdir)
    try:
        first = log_end(url)
        wait_for(lambda: saved_position(database) == first, "the first catch-up")
        end = first
        for _ in range(2):  # more than one update: the follower keeps seeing new events
            assert run_pidgin(*chat, "-t", "3", cwd=workdir).returncode == 0
            assert log_end(url) > end
            end = log_end(url)
            wait_for(lambda end=end: saved_position(database) == end, "a chat to be projected")
        # Between two updates the database is closed: another process can read it.
        query = run_pidgin("query", "SELECT count(*) FROM messages", "--db", str(database),
                           "--format", "csv", cwd=workdir)  # fmt: skip
        assert query.returncode == 0 and query.stdout.split() == ["count_star()", "16"]
    finally:
        follower.send_signal(signal.SIGINT)
        stdout, stderr = follower.communicate(timeout=DEADLINE_SECONDS)
    assert follower.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        f"interrupted: {database} keeps every batch committed before; "
        "the same command continues from there"
    ]
    updates = [line for line in stdout.splitlines() if " events, " in line]
    assert len(updates) >= 3 and all(len(line) <= 80 for line in updates)
    assert updates[-1].endswith(f"at position {end}")
    assert run_pidgin("project", "-q", "--rebuild", "--store", url, "clean.duckdb",
                      cwd=workdir).returncode == 0  # fmt: skip
    assert table_contents(database) == table_contents(workdir / "clean.duckdb")


def test_a_burst_saved_at_once_is_one_update(workdir):
    """Conversations saved in one transaction arrive together and are committed together,
    not one transaction per event."""
    url = synthetic_store(workdir, conversations=1, turns=1)
    stop = threading.Event()
    updates: list[ProjectionResult] = []
    with open_store(url, create=False) as log:
        follower = threading.Thread(
            target=follow_to_duckdb,
            args=(log, workdir / "x.duckdb"),
            kwargs={"on_update": lambda result, _: updates.append(result), "stop": stop},
        )
        follower.start()
        try:
            first = log.max_position()
            wait_for(lambda: bool(updates) and updates[-1].position == first, "catch-up")
            burst = synthetic_store(workdir / "burst", conversations=50, turns=3)
            with open_store(burst, create=False) as source:
                events = list(source.read_notifications())
            log.recorder.insert_events(  # one transaction, as a `log copy` would write them
                [source_event(n) for n in events]
            )
            end = log.max_position()
            wait_for(lambda: updates[-1].position == end, "the burst")
        finally:
            stop.set()
            follower.join()
    assert [u.events for u in updates[1:]] == [len(events)] and len(events) >= 1000


def source_event(notification: Notification) -> StoredEvent:
    return StoredEvent(
        originator_id=notification.originator_id,
        originator_version=notification.originator_version,
        topic=notification.topic,
        state=notification.state,
    )


def test_follow_needs_a_duckdb_target(workdir):
    assert run_pidgin("chat", "-q", "-t", "1", cwd=workdir).returncode == 0
    result = run_pidgin("project", "--follow", "--to", "parquet", "out", cwd=workdir)
    assert result.returncode == 2 and "--follow" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_dropped_listen_connection_is_opened_again(workdir):
    import psycopg

    from eventlog.follow import AppendWaiter

    url = synthetic_store(workdir, 1, 1, url=fresh_store_url("postgresql", workdir))
    with open_store(url, create=False) as log, AppendWaiter(log) as waiter:
        end = log.max_position()
        assert not waiter.wait(end, timeout=0.3)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        assert not waiter.wait(end, timeout=0.5)  # the connection is gone: listen again
        synthetic_store(workdir, 1, 1, url=url)
        assert waiter.wait(end, timeout=DEADLINE_SECONDS)


def test_a_reader_holding_the_database_makes_the_follower_wait(workdir):
    import subprocess
    import sys

    url = synthetic_store(workdir, conversations=1, turns=1)
    database = workdir / "x.duckdb"
    stop, busy = threading.Event(), threading.Event()
    updates: list[ProjectionResult] = []
    with open_store(url, create=False) as log:
        follower = threading.Thread(
            target=follow_to_duckdb,
            args=(log, database),
            kwargs={"on_update": lambda r, _: updates.append(r), "on_busy": busy.set, "stop": stop},
        )
        follower.start()
        try:
            first = log.max_position()
            wait_for(lambda: bool(updates) and updates[-1].position == first, "catch-up")
            hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            hold += "print('open', flush=True); sys.stdin.read()"
            reader = subprocess.Popen(
                [sys.executable, "-c", hold, str(database)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert reader.stdout is not None and reader.stdout.readline() == "open\n"
            synthetic_store(workdir, conversations=2, turns=1, url=url)
            wait_for(busy.is_set, "the follower to find the database busy")
            assert updates[-1].position == first and follower.is_alive()
            reader.communicate("")  # the reader closes the database
            end = log.max_position()
            wait_for(lambda: updates[-1].position == end, "the update after the reader left")
        finally:
            stop.set()
            follower.join()
