"""kill -9 campaign, sized for CI: chat and log copy killed at random moments (fixed
seed), SQLite and JSONL. After each kill the store verifies (a read-only verify that
changes no byte), every command reads it, and finishing the work gives what an
uninterrupted run gives. (The experiment daemon's campaign is in
tests/experiments/test_kill_resume.py, project's in tests/projections/.)
"""

from __future__ import annotations

import random
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from eventlog import open_store
from tests.conftest import pidgin_process, run_pidgin
from tests.eventlog.stores import jsonl_url, sqlite_url
from tests.experiments.lifecycle import wait_for
from tests.projections.test_analysis import synthetic_store

SEED = 20261203


def _count(url: str, where: Path) -> int:
    """Events committed so far, counted as an outside reader would (no store opened)."""
    if url.startswith("jsonl"):
        file = where / "events.jsonl"
        return file.read_bytes().count(b"\n") if file.exists() else 0
    if not where.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{where}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    except sqlite3.Error:
        return 0  # the writer is still creating its table


def _files(where: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(where.iterdir())}


def _verify_reads_only(url: str, where: Path, cwd: Path) -> str:
    """``log verify`` passes and changes nothing: no JSONL byte (a torn tail stays where
    it is), no SQLite event (SQLite itself may fold its WAL into the file on close)."""
    before = _files(where) if where.is_dir() else _events(url)
    verify = run_pidgin("log", "verify", "--store", url, cwd=cwd)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert (_files(where) if where.is_dir() else _events(url)) == before
    return verify.stdout


def _events(url: str) -> list[tuple[object, ...]]:
    with open_store(url, create=False) as log:
        return [(n.originator_id, n.originator_version, n.topic, n.state)
                for n in log.read_notifications()]  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "jsonl"])
def test_chat_killed_at_random_moments(tmp_path: Path, kind: str) -> None:
    chooser = random.Random(SEED)
    for trial in range(2):
        directory = tmp_path / f"trial{trial}"
        directory.mkdir()
        url = sqlite_url(directory) if kind == "sqlite" else jsonl_url(directory)
        where = directory / ("events.db" if kind == "sqlite" else "log")
        target = chooser.randrange(5, 80)
        chat = pidgin_process("chat", "-q", "-t", "5000", "--store", url, cwd=directory)
        try:
            wait_for(lambda u=url, w=where, t=target: _count(u, w) >= t, every=0.005)
        finally:
            chat.send_signal(signal.SIGKILL)
            chat.communicate(timeout=60)
        assert chat.returncode == -signal.SIGKILL
        _verify_reads_only(url, where, directory)
        for command in (("list",), ("replay",), ("project", "-q")):
            result = run_pidgin(*command, "--store", url, cwd=directory)
            assert result.returncode == 0, (command, result.stderr)
        events = _events(url)
        versions = [version for _, version, _, _ in events]
        assert versions == list(range(1, len(events) + 1))  # one conversation, no gap


@pytest.mark.parametrize("kind", ["sqlite", "jsonl"])
def test_log_copy_killed_at_random_moments_then_rerun(tmp_path: Path, kind: str) -> None:
    source = synthetic_store(tmp_path, conversations=50, turns=10)
    expected = _events(source)
    chooser = random.Random(SEED)
    outcomes = []
    for trial in range(2):
        directory = tmp_path / f"trial{trial}"
        directory.mkdir()
        url = sqlite_url(directory) if kind == "sqlite" else jsonl_url(directory)
        where = directory / ("events.db" if kind == "sqlite" else "log")
        target = chooser.randrange(1, len(expected) - 600)
        copy = pidgin_process("log", "copy", "--store", source, "--to", url, cwd=tmp_path)
        try:
            wait_for(
                lambda u=url, w=where, t=target, c=copy: _count(u, w) >= t or c.poll() is not None,
                every=0.002,
            )
        finally:
            copy.send_signal(signal.SIGKILL)
            copy.communicate(timeout=60)
        outcomes.append(copy.returncode)
        _verify_reads_only(url, where, directory)
        copied = _events(url)
        assert copied == expected[: len(copied)]  # a prefix, whole transactions only
        again = run_pidgin("log", "copy", "--store", source, "--to", url, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert _events(url) == expected
        assert "OK" in _verify_reads_only(url, where, directory)
    assert -signal.SIGKILL in outcomes, outcomes
