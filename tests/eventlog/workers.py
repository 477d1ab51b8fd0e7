"""Writer processes for the crash and concurrency tests, and the aggregate they record.

Run as ``python -m tests.eventlog.workers MODE URL ...`` from the repository root. Each
writer prints ``ack ID VERSION`` only after ``EventLog.save`` has returned, i.e. after the
store promised the events are durable: those are the events that must survive a kill.
"""

from __future__ import annotations

import random
import sys

from eventsourcing.domain import Aggregate, event

from eventlog import open_store


class Tally(Aggregate):
    """A generic aggregate: the event-store tests know nothing about conversations."""

    @event("Started")
    def __init__(self, writer: str) -> None:
        self.writer = writer
        self.count = 0

    @event("Counted")
    def add(self, number: int, note: str) -> None:
        self.count += 1


def write_until_killed(url: str, seed: int) -> None:
    """Append tallies of 1-6 events per transaction forever, acknowledging each save."""
    rng = random.Random(seed)
    with open_store(url) as log:
        print("ready", flush=True)
        while True:
            tally = Tally(writer=f"crash-{seed}")
            # Some transactions are large, so that more kills land inside a write.
            note_size = 50_000 if rng.random() < 0.2 else 3000
            for number in range(rng.randint(0, 5)):
                tally.add(number, "x" * rng.randint(0, note_size))
            log.save(tally)
            print(f"ack {tally.id} {tally.version}", flush=True)


def write_count(url: str, writer: str, events: int) -> None:
    """Wait for "go" on stdin, then append ``events`` events, one per transaction."""
    with open_store(url) as log:
        tally = Tally(writer=writer)
        log.save(tally)
        print("ready", flush=True)
        sys.stdin.readline()
        for number in range(1, events):
            tally.add(number, writer)
            log.save(tally)
        print(f"done {tally.id} {tally.version}", flush=True)


def main(argv: list[str]) -> None:
    mode, store_url, *rest = argv
    if mode == "crash":
        write_until_killed(store_url, int(rest[0]))
    elif mode == "count":
        write_count(store_url, rest[0], int(rest[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    # Import this module under its own name, so that event topics name
    # tests.eventlog.workers (which the verifying process can import), not __main__.
    from tests.eventlog import workers

    workers.main(sys.argv[1:])
