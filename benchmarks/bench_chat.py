"""Recording throughput and start-up time.

Records a 200-turn local:test conversation into a fresh SQLite store and reports turns/s
and per-turn overhead against a baseline measured in the same run: generating the same
replies with the bare local:test text engine (no conductor, no store, no bus). Also times
`pidgin --help` start-up against a bare `python -c pass`.

Run: python benchmarks/bench_chat.py [--turns 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eventlog import open_store
from pidgin.bus import EventBus
from pidgin.conductor import Conductor
from pidgin.domain import AgentSpec, Conversation
from pidgin.providers.local_test import LocalTestProvider
from pidgin.providers.local_test_text import compose_reply

SPEC = AgentSpec(model="local:test", provider="local", display_name="Test")


def record(turns: int, directory: Path) -> tuple[float, Conversation]:
    conversation = Conversation.start(SPEC, SPEC, "What is a pidgin language?", turns)
    provider = LocalTestProvider()
    with open_store(f"sqlite:///{str(directory / 'bench.db').lstrip('/')}") as log:
        started = time.perf_counter()
        asyncio.run(Conductor(log, EventBus(), {"a": provider, "b": provider}).run(conversation))
        return time.perf_counter() - started, conversation


def generate_only(conversation: Conversation) -> float:
    """Time to compose the same replies from the same histories, with nothing recorded."""
    from pidgin.domain.messages import history_for

    started = time.perf_counter()
    for index, message in enumerate(conversation.messages):
        history = history_for(message.agent, conversation.prompt, conversation.messages[:index])
        assert compose_reply(history) == message.text
    return time.perf_counter() - started


def startup(command: list[str], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        recorded, conversation = record(args.turns, Path(folder))
    baseline = generate_only(conversation)
    per_turn_ms = (recorded - baseline) / args.turns * 1000
    print(f"recorded {args.turns} turns in {recorded:.3f} s: {args.turns / recorded:,.0f} turns/s")
    print(f"baseline (text engine only): {baseline:.3f} s: {args.turns / baseline:,.0f} turns/s")
    print(
        f"recording overhead: {per_turn_ms:.2f} ms per turn; "
        f"recording takes {recorded / baseline:.1f}x the bare text engine"
    )

    python = startup([sys.executable, "-c", "pass"])
    help_time = startup([sys.executable, "-m", "pidgin", "--help"])
    print(
        f"`pidgin --help`: {help_time * 1000:.0f} ms (bare python: {python * 1000:.0f} ms, "
        f"{help_time / python:.1f}x)"
    )


if __name__ == "__main__":
    main()
