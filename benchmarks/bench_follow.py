"""Follow latency: from a conversation's last saved event to its rows in DuckDB.

For each kind of store, starts `pidgin project --follow` in its own process, then saves
one 10-turn conversation at a time (one transaction each, PAUSE_SECONDS apart) and notes
when the follower prints the update line that reaches that conversation's last position
(it prints after the commit). The baseline, measured in the same run: the same
one-conversation update done directly with `project_to_duckdb` in this process (open,
project, commit, close), the part of the latency that is not waiting to hear of the event.

PostgreSQL is measured when PIDGIN_BENCH_POSTGRES_URL names a database it may empty.

Run: python benchmarks/bench_follow.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_duckdb import synthetic_conversation  # run as a script: benchmarks/ is on the path

from eventlog import open_store
from projections.analysis import project_to_duckdb

PAUSE_SECONDS = 0.5
"""Between two saves: longer than the follower's update interval, so that each save
meets an idle follower (as a conversation's messages, seconds apart, do)."""
POSITION = re.compile(r"at position ([\d,]+)$")


def save_one(url: str, turns: int = 10) -> int:
    """Save one finished conversation in one transaction; the log's new end."""
    conversation = synthetic_conversation(0, turns, random.Random(0))
    with open_store(url) as log:
        log.save(conversation)
        return log.max_position()


def follow_latencies(url: str, directory: Path, runs: int) -> list[float]:
    save_one(url)
    follower = subprocess.Popen(
        [sys.executable, "-m", "pidgin", "project", "--follow", "--store", url,
         str(directory / "follow.duckdb")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen: queue.Queue[tuple[float, int]] = queue.Queue()

    def read() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            match = POSITION.search(line.strip())
            if match:
                seen.put((time.perf_counter(), int(match.group(1).replace(",", ""))))

    threading.Thread(target=read, daemon=True).start()
    try:
        seen.get(timeout=120)  # the first catch-up
        latencies = []
        for _ in range(runs):
            time.sleep(PAUSE_SECONDS)
            end = save_one(url)
            saved = time.perf_counter()
            while True:
                when, position = seen.get(timeout=120)
                if position >= end:
                    break
            latencies.append(when - saved)
        return latencies
    finally:
        follower.terminate()
        follower.wait()


def direct_updates(url: str, directory: Path, runs: int) -> list[float]:
    with open_store(url) as log:
        project_to_duckdb(log, directory / "direct.duckdb")
        times = []
        for _ in range(runs):
            save_one(url)
            started = time.perf_counter()
            project_to_duckdb(log, directory / "direct.duckdb")
            times.append(time.perf_counter() - started)
        return times


def fresh(kind: str, directory: Path) -> str | None:
    if kind == "sqlite":
        return f"sqlite:///{str(directory / 'events.db').lstrip('/')}"
    if kind == "jsonl":
        return f"jsonl:///{str(directory / 'log').lstrip('/')}"
    url = os.environ.get("PIDGIN_BENCH_POSTGRES_URL")
    if not url:
        return None
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"{'store':<11}{'follow median':>15}{'max':>8}{'direct update':>15}{'ratio':>8}")
    for kind in ("sqlite", "jsonl", "postgresql"):
        with tempfile.TemporaryDirectory() as name:
            directory = Path(name)
            url = fresh(kind, directory)
            if url is None:
                print(f"{kind:<11}skipped: PIDGIN_BENCH_POSTGRES_URL is not set")
                continue
            direct = statistics.median(direct_updates(url, directory, runs))
            (directory / "follow").mkdir()
            url = fresh(kind, directory / "follow")
            assert url is not None
            latencies = follow_latencies(url, directory / "follow", runs)
            median = statistics.median(latencies)
            print(
                f"{kind:<11}{median * 1000:>12.0f} ms{max(latencies) * 1000:>5.0f} ms"
                f"{direct * 1000:>12.0f} ms{median / direct:>7.1f}x"
            )


if __name__ == "__main__":
    main()
