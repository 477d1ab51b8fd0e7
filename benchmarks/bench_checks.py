"""What checking events on the way out costs: checksums and the check against the class.

Builds a SQLite store of synthetic conversations (as bench_duckdb does), then measures in
the same process, best of --repeat runs (CPU seconds of this process):

* bulk read (the DuckDB projection's path): ``event_batches`` (each batch checked) against
  the same batches unchecked: the cost of the CRC per event;
* the same for a copy of the store whose events carry no checksum (a log written before
  checksums): every event is then decoded and checked against its class;
* decoded read (list, replay): ``EventLog.read`` with the checking mapper against
  eventsourcing's plain ``Mapper`` on the same notifications;
* the whole DuckDB projection (``--rebuild``, with metrics, one process) with checked
  batches against the same projection fed unchecked ones.

Run: python benchmarks/bench_checks.py [--events 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification

from benchmarks.bench_duckdb import build_store
from eventlog import EventLog, open_store
from eventlog.batches import _unchecked_batches, event_batches
from eventlog.checksum import unseal
from eventlog.codec import MsgspecTranscoder

BATCH = 100_000


def _best(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def _strip_checksums(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        rows = db.execute("SELECT rowid, topic, state FROM stored_events").fetchall()
        db.executemany(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            [(unseal(topic, state)[0], rowid) for rowid, topic, state in rows],
        )


def _projection(log: EventLog, scratch: Path, repeat: int) -> None:
    import projections.analysis.duckdb_projection as projection
    from projections.analysis import project_to_duckdb

    def run(batches: Callable[..., object]) -> Callable[[], object]:
        def work() -> object:
            setattr(projection, "event_batches", batches)  # noqa: B010
            return project_to_duckdb(log, scratch / "bench.duckdb", rebuild=True, workers=1)

        return work

    try:
        unchecked = _best(run(_unchecked_batches), repeat)
        checked = _best(run(event_batches), repeat)
    finally:
        setattr(projection, "event_batches", event_batches)  # noqa: B010
    print(
        f"{'':>15}  projection {unchecked:5.2f} s unchecked, {checked:5.2f} s checked "
        f"({checked / unchecked:4.2f}x)"
    )


def _decoding(mapper: Mapper[UUID], notifications: list[Notification]) -> Callable[[], object]:
    return lambda: [mapper.to_domain_event(n) for n in notifications]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        sealed = Path(scratch) / "sealed.db"
        build_store(sealed, args.events)
        plain = Path(scratch) / "plain.db"
        shutil.copy(sealed, plain)
        _strip_checksums(plain)
        for label, path in (("with checksums", sealed), ("no checksums", plain)):
            with open_store(f"sqlite:///{str(path).lstrip('/')}", create=False) as log:
                count = log.max_position()
                unchecked = _best(lambda: list(_unchecked_batches(log, 0, BATCH)), args.repeat)
                checked = _best(lambda: list(event_batches(log, 0, BATCH)), args.repeat)
                print(
                    f"{label:>15}: bulk read of {count:,} events {unchecked:5.2f} s unchecked, "
                    f"{checked:5.2f} s checked ({checked / unchecked:4.2f}x)"
                )
                if path == sealed:
                    _projection(log, Path(scratch), args.repeat)
                    notifications = list(log.read_notifications())
                    plain_mapper: Mapper[UUID] = Mapper(transcoder=MsgspecTranscoder())
                    mapper = log._app.mapper
                    base = _best(_decoding(plain_mapper, notifications), args.repeat)
                    ours = _best(_decoding(mapper, notifications), args.repeat)
                    print(
                        f"{'':>15}  decode of {count:,} events {base:5.2f} s plain mapper, "
                        f"{ours:5.2f} s checking mapper ({ours / base:4.2f}x)"
                    )


if __name__ == "__main__":
    main()
