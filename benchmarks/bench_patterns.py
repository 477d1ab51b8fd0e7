"""Benchmark: the pattern detectors' share of a DuckDB projection with metrics.

Records an experiment of local:test conversations (default 20 × 50 turns) once, then
projects it with ``--rebuild`` alternately with the detectors on and off (the findings
step replaced by a no-op), several rounds, in this one process. Prints the CPU seconds
of each and the slowdown the detectors add (the issue's bound: 20%), and the detectors'
own time per conversation.

Run: python benchmarks/bench_patterns.py [--conversations 20] [--turns 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from eventlog import open_store
from pidgin.cli import cli
from projections.analysis import duckdb_projection, project_to_duckdb
from projections.patterns import ConversationText, detect


def record(directory: Path, conversations: int, turns: int) -> str:
    url = f"sqlite:///{str(directory / 'events.db').lstrip('/')}"
    result = CliRunner().invoke(
        cli,
        ["experiment", "start", "-r", str(conversations), "-t", str(turns), "--seed", "7",
         "--foreground", "-q", "-p", "What makes a conversation go well?",
         "--store", url, "-o", str(directory)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return url


def project_cpu(url: str, database: Path, findings: bool) -> float:
    original = duckdb_projection.replace_findings
    if not findings:
        duckdb_projection.replace_findings = lambda connection, batch: 0  # type: ignore[assignment]
    try:
        with open_store(url, create=False) as log:
            start = time.process_time()
            project_to_duckdb(log, database, rebuild=True, workers=1)
            return time.process_time() - start
    finally:
        duckdb_projection.replace_findings = original  # type: ignore[assignment]


def detector_seconds(url: str) -> tuple[float, int]:
    from pidgin.domain import Conversation

    by_conversation: dict[str, list[tuple[int, str, str]]] = {}
    with open_store(url, create=False) as log:
        for recorded in log.read():
            event = recorded.event
            if isinstance(event, Conversation.MessageCompleted):
                key = str(event.originator_id)
                by_conversation.setdefault(key, []).append((event.turn, event.agent, event.text))
    detect(ConversationText(next(iter(by_conversation.values()))))  # word lists loaded
    start = time.process_time()
    for texts in by_conversation.values():
        detect(ConversationText(texts))
    return time.process_time() - start, len(by_conversation)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        url = record(directory, args.conversations, args.turns)
        database = directory / "bench.duckdb"
        project_cpu(url, database, findings=True)  # warm: imports, word lists, caches
        on, off = [], []
        for _ in range(args.rounds):
            off.append(project_cpu(url, database, findings=False))
            on.append(project_cpu(url, database, findings=True))
        alone, count = detector_seconds(url)
    base, with_detectors = statistics.median(off), statistics.median(on)
    print(f"{args.conversations} conversations × {args.turns} turns, {args.rounds} rounds "
          "(CPU seconds, median)")  # fmt: skip
    print(f"  projection, detectors off   {base:8.3f} s")
    print(f"  projection, detectors on    {with_detectors:8.3f} s")
    print(f"  slowdown                    {with_detectors / base - 1:8.1%}  (bound: 20%)")
    print(f"  detectors alone             {alone / count * 1000:8.2f} ms per conversation")


if __name__ == "__main__":
    main()
