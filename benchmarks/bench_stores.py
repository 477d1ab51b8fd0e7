"""Event-store throughput: append 100k events and read them back, for every store.

Events are appended one conversation's worth per transaction (50 events: the size of a
12-turn conversation) through each store's recorder, then read back in global order.
The floor, measured in the same run, is what no store can beat: msgspec-encoding the same
JSONL lines and writing them to one file, with an fdatasync per transaction (the same
durability promise the stores make), and reading that file back and decoding each line.
A second floor without fdatasync shows what durability itself costs here.

PostgreSQL is measured when PIDGIN_BENCH_POSTGRES_URL or PIDGIN_TEST_POSTGRES_URL names a
server (`. .ci/postgres.sh` starts a throwaway one). ITS TABLES ARE DROPPED FIRST.

Run: python benchmarks/bench_stores.py [--events 100000] [--per-transaction 50]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import msgspec
from eventsourcing.persistence import StoredEvent

from eventlog import open_store
from eventlog.codec import MsgspecTranscoder
from eventlog.jsonl_lines import Line, event_line

TOPIC = "pidgin.domain.conversation:Conversation.MessageCompleted"
TEXT = (
    "A pidgin is a grammatically simplified means of communication that develops between "
    "groups that do not have a language in common; it is nobody's first language. "
)


def make_transactions(events: int, per_transaction: int) -> list[list[StoredEvent]]:
    """Realistic stored events (a MessageCompleted's fields), grouped by conversation."""
    transcoder = MsgspecTranscoder()
    transactions = []
    for start in range(0, events, per_transaction):
        originator = uuid4()
        batch = []
        for version in range(1, min(per_transaction, events - start) + 1):
            state = transcoder.encode(
                {
                    "timestamp": "2026-11-25T12:00:00.000000Z",
                    "agent": "a" if version % 2 else "b",
                    "turn": version // 2,
                    "text": TEXT,
                    "thinking": None,
                    "tokens_in": 412,
                    "tokens_out": 57,
                    "time_to_first_token": 0.031,
                    "duration": 0.84,
                    "stop_reason": "end_turn",
                    "model": "local:test",
                }
            )
            batch.append(StoredEvent(originator, version, TOPIC, state))
        transactions.append(batch)
    return transactions


def floor(
    directory: Path, transactions: list[list[StoredEvent]], sync: bool
) -> tuple[float, float]:
    """Seconds to encode+write the JSONL lines (fdatasync per transaction if ``sync``),
    and to read the file back decoding every line."""
    encoder = msgspec.json.Encoder()
    decoder = msgspec.json.Decoder(Line)
    path = directory / f"floor-{sync}.jsonl"
    started = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    position = 0
    for batch in transactions:
        lines = []
        for event in batch:
            position += 1
            lines.append(encoder.encode(event_line(event, position)) + b"\n")
        os.write(fd, b"".join(lines))
        if sync:
            os.fdatasync(fd)
    os.close(fd)
    append = time.perf_counter() - started
    started = time.perf_counter()
    with path.open("rb") as handle:
        count = sum(1 for raw in handle if decoder.decode(raw))
    read = time.perf_counter() - started
    assert count == position
    return append, read


def measure(url: str, transactions: list[list[StoredEvent]]) -> tuple[float, float]:
    """Seconds to append every transaction through the store, and to read all back."""
    expected = sum(len(batch) for batch in transactions)
    with open_store(url) as log:
        started = time.perf_counter()
        for batch in transactions:
            log.recorder.insert_events(batch)
        append = time.perf_counter() - started
        started = time.perf_counter()
        count = sum(1 for _ in log.read_notifications())
        read = time.perf_counter() - started
    assert count == expected, (count, expected)
    return append, read


def reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-transaction", type=int, default=50)
    args = parser.parse_args()
    transactions = make_transactions(args.events, args.per_transaction)
    events = args.events
    postgres = os.environ.get("PIDGIN_BENCH_POSTGRES_URL") or os.environ.get(
        "PIDGIN_TEST_POSTGRES_URL"
    )

    with tempfile.TemporaryDirectory(prefix="pidgin-bench-") as tmp:
        directory = Path(tmp)
        rows: list[tuple[str, float, float]] = []
        synced = floor(directory, transactions, sync=True)
        rows.append(("floor: msgspec encode+write, fdatasync", *synced))
        rows.append(
            ("floor: msgspec encode+write, no sync", *floor(directory, transactions, False))
        )
        stores: list[tuple[str, str, Callable[[], None]]] = [
            ("sqlite", f"sqlite:///{str(directory / 'bench.db').lstrip('/')}", lambda: None),
            ("jsonl", f"jsonl:///{str(directory / 'bench-jsonl').lstrip('/')}", lambda: None),
        ]
        if postgres:
            stores.append(("postgresql", postgres, lambda: reset_postgres(postgres)))
        for name, url, prepare in stores:
            prepare()
            rows.append((name, *measure(url, transactions)))
        if postgres:
            reset_postgres(postgres)

    print(
        f"{events:,} events, {args.per_transaction} per transaction "
        f"({len(transactions):,} transactions)"
    )
    print(f"{'store':<42}{'append ev/s':>13}{'× floor':>9}{'read ev/s':>13}{'× floor':>9}")
    for name, append, read in rows:
        print(
            f"{name:<42}{events / append:>13,.0f}{synced[0] / append:>9.2f}"
            f"{events / read:>13,.0f}{synced[1] / read:>9.2f}"
        )
    if not postgres:
        print("postgresql: not measured (set PIDGIN_BENCH_POSTGRES_URL or run . .ci/postgres.sh)")


if __name__ == "__main__":
    main()
