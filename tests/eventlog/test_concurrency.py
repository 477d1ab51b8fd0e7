"""Several writers at once: nothing lost, nothing duplicated, conflicts refused.

8 processes each append 500 events (one per transaction) to one store at the same moment;
afterwards all 4,000 are present exactly once, with contiguous versions and strictly
increasing positions. Two writers appending the same aggregate version: the first wins,
the second gets ConcurrencyConflictError and nothing of its is stored.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from uuid import UUID

import pytest

from eventlog import ConcurrencyConflictError, open_store
from tests.eventlog.stores import fresh_store_url
from tests.eventlog.workers import Tally

WRITERS = 8
EVENTS_EACH = 500
REPO_ROOT = Path(__file__).resolve().parents[2]
STORES = ["jsonl", "sqlite", "postgresql"]


def _start_writer(url: str, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.eventlog.workers", "count", url, name, str(EVENTS_EACH)],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("store", STORES)
def test_eight_processes_lose_and_duplicate_nothing(store: str, tmp_path: Path) -> None:
    url = fresh_store_url(store, tmp_path)
    open_store(url).close()  # create the store (tables, files) before the race
    writers = [_start_writer(url, f"writer-{n}") for n in range(WRITERS)]
    try:
        for writer in writers:
            assert writer.stdout is not None
            first_line = writer.stdout.readline()
            assert first_line == "ready\n", first_line + (writer.stderr or [""]).read()
        for writer in writers:  # all go at once
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        results = [writer.communicate(timeout=240) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    for writer, (stdout, stderr) in zip(writers, results, strict=True):
        assert writer.returncode == 0, stderr
        assert stdout.startswith("done ")

    with open_store(url, create=False) as log:
        recorded = list(log.read())
    assert len(recorded) == WRITERS * EVENTS_EACH
    positions = [r.position for r in recorded]
    assert positions == sorted(set(positions))
    pairs = Counter((r.originator_id, r.version) for r in recorded)
    assert max(pairs.values()) == 1
    by_writer: dict[UUID, list[int]] = {}
    for r in recorded:
        by_writer.setdefault(r.originator_id, []).append(r.version)
    assert len(by_writer) == WRITERS
    for versions in by_writer.values():
        assert versions == list(range(1, EVENTS_EACH + 1))


@pytest.mark.parametrize("store", STORES)
def test_two_writers_on_one_version_one_wins(store: str, tmp_path: Path) -> None:
    url = fresh_store_url(store, tmp_path)
    with open_store(url) as first, open_store(url) as second:
        tally = Tally(writer="shared")
        first.save(tally)
        mine, theirs = first.load(tally.id), second.load(tally.id)
        mine.add(1, "first writer")
        theirs.add(1, "second writer")
        first.save(mine)
        with pytest.raises(ConcurrencyConflictError, match="another writer"):
            second.save(theirs)
        stored = second.load(tally.id)
    assert stored.version == 2
    with open_store(url, create=False) as log:
        events = [r.event for r in log.read()]
    assert [getattr(e, "note", None) for e in events] == [None, "first writer"]
