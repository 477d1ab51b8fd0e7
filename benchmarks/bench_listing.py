"""Benchmark: `pidgin list`, `pidgin search` and `replay --check` on a store of 1M events,
as ratios of `pidgin --help` start-up measured in the same run.

Each command runs as a user runs it (a fresh `python -m pidgin` process). `list` and
`search` read the catalog kept beside the store, so after the first call (which builds
it from the whole log: the cost a read-only store pays on every call) they read only the
events appended since; the target is `list` within 2x of start-up. The store is generated
once through the eventlog API (bench_duckdb's synthetic conversations) and cached.

Run: python benchmarks/bench_listing.py [--events 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_duckdb import build_store, synthetic_conversation

from eventlog import open_store
from projections.catalog import started_ids


def run(*args: str, env: dict[str, str]) -> float:
    """Wall seconds of one `python -m pidgin ARGS` process."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pidgin", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def best(repeat: int, *args: str, env: dict[str, str]) -> float:
    return min(run(*args, env=env) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "pidgin-bench"))
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    source = cache / f"events-{args.events}.db"
    if not source.exists():
        print(f"generating {args.events:,} events in {source} (once) ...", flush=True)
        partial = source.with_name(f".{source.name}.partial")
        partial.unlink(missing_ok=True)
        build_store(partial, args.events)
        partial.rename(source)
    env = {**os.environ, "COLUMNS": "80"}
    with tempfile.TemporaryDirectory() as directory:
        # A copy of its own: the catalog is written beside the store, and one conversation
        # is appended to measure the incremental update.
        store = Path(directory) / "events.db"
        store.write_bytes(source.read_bytes())
        url = f"sqlite:///{str(store).lstrip('/')}"
        where = ["--store", url, "--output", directory]
        with open_store(url, create=False) as log:
            events = log.max_position()
            conversations = sum(1 for _ in started_ids(log))
        help_s = best(args.repeat, "--help", env=env)
        cold = run("list", *where, env=env)
        warm = best(args.repeat, "list", *where, env=env)
        newest = best(args.repeat, "list", "--limit", "20", *where, env=env)
        with open_store(url, create=False) as log:
            import random

            log.save(synthetic_conversation(10**6, 10, random.Random(2)))
        appended = run("list", *where, env=env)
        rare = best(args.repeat, "search", "zebra", *where, env=env)
        common = best(args.repeat, "search", "grammar", *where, env=env)
        regex = best(args.repeat, "search", "--regex", r"contact\s+lang\w+s", *where, env=env)
        check = run("replay", "--check", *where, env=env)
    rows = [
        ("pidgin --help (start-up, the baseline)", help_s),
        ("list, first call (builds the catalog)", cold),
        (f"list, catalog up to date ({conversations:,} rows)", warm),
        ("list --limit 20, catalog up to date", newest),
        ("list after one more conversation", appended),
        ("search, a text no message has", rare),
        ("search, a text in most messages", common),
        ("search --regex", regex),
        ("replay --check (every transcript)", check),
    ]
    print(f"{events:,} events; best of {args.repeat} where repeated; 80 columns")
    for label, seconds in rows:
        print(f"  {label:<44} {seconds:7.2f} s  {seconds / help_s:7.1f}x start-up")
    print(f"target: list within 2x of start-up: {warm / help_s:.2f}x every row, "
          f"{newest / help_s:.2f}x the newest 20")  # fmt: skip


if __name__ == "__main__":
    main()
