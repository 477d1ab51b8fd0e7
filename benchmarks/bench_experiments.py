"""Experiment throughput (sequential and --parallel 4) and the daemon's start-up time.

Runs a 20-conversation local:test experiment in this process, once one conversation after
another and once with up to 4 at once, each into a fresh SQLite store, and reports turns/s
against a baseline measured in the same run: the same 20 conversations recorded with a
bare Conductor loop (no experiment aggregate, no runner). Then times `pidgin experiment
start` (returns once the daemon is spawned) and the time until the daemon has recorded
its first conversation, against a bare `python -c pass` and `pidgin --help`.

Run: python benchmarks/bench_experiments.py [--conversations 20] [--turns 10]
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
from uuid import UUID

from eventlog import open_store
from pidgin.bus import EventBus
from pidgin.conductor import Conductor
from pidgin.domain import AgentSpec, Conversation
from pidgin.domain.experiment import Experiment
from pidgin.experiments.daemon import run_experiment
from pidgin.experiments.plan import conversation_settings
from pidgin.experiments.spec import ExperimentSpec
from pidgin.providers.local_test import LocalTestProvider

PROMPT = "What is a pidgin language?"


def url_for(directory: Path) -> str:
    return f"sqlite:///{str(directory / 'events.db').lstrip('/')}"


def bare_conductor(conversations: int, turns: int, directory: Path) -> float:
    spec = AgentSpec(model="local:test", provider="local", display_name="Test")
    provider = LocalTestProvider()
    with open_store(url_for(directory)) as log:
        started = time.perf_counter()
        for _ in range(conversations):
            conversation = Conversation.start(spec, spec, PROMPT, turns)
            conductor = Conductor(log, EventBus(), {"a": provider, "b": provider})
            asyncio.run(conductor.run(conversation))
        return time.perf_counter() - started


def experiment(conversations: int, turns: int, parallel: int, directory: Path) -> float:
    spec = ExperimentSpec(prompt=PROMPT, turns=turns, repetitions=conversations, parallel=parallel)
    settings = conversation_settings(spec)
    created = Experiment.create(
        "bench", spec.model_dump(mode="json"), settings, conversations, parallel
    )
    with open_store(url_for(directory)) as log:
        log.save(created)
    started = time.perf_counter()
    outcome = run_experiment(url_for(directory), created.id, directory)
    elapsed = time.perf_counter() - started
    assert outcome.state == "completed" and outcome.counts["completed"] == conversations
    return elapsed


def median_time(command: list[str], cwd: Path, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=cwd)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def daemon_startup(directory: Path, runs: int = 5) -> tuple[float, float]:
    """(median time for `start` to return, median time until the first conversation is
    recorded by the daemon)."""
    returns, first = [], []
    for run in range(runs):
        output = directory / f"daemon{run}"
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pidgin", "experiment", "start", "-t", "1", "-o", str(output)],
            check=True,
            capture_output=True,
            text=True,
        )
        returns.append(time.perf_counter() - started)
        experiment_id = UUID(result.stdout.split("id:")[1].split()[0])
        with open_store(url_for(output)) as log:
            while not log.load(experiment_id).started:
                time.sleep(0.002)
        first.append(time.perf_counter() - started)
    return statistics.median(returns), statistics.median(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    n, turns = args.conversations, args.turns
    total = n * turns
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name in ("bare", "seq", "par"):
            (root / name).mkdir()
        bare = bare_conductor(n, turns, root / "bare")
        sequential = experiment(n, turns, 1, root / "seq")
        parallel = experiment(n, turns, 4, root / "par")
        start_returns, first_recorded = daemon_startup(root)
        python = median_time([sys.executable, "-c", "pass"], root)
        help_time = median_time([sys.executable, "-m", "pidgin", "--help"], root)

    print(f"{n} conversations × {turns} turns = {total} turns, local:test, SQLite")
    print(f"baseline (bare Conductor loop): {bare:.3f} s, {total / bare:,.0f} turns/s")
    print(
        f"experiment, sequential:   {sequential:.3f} s, {total / sequential:,.0f} turns/s "
        f"({bare / sequential:.2f}x the baseline's rate)"
    )
    print(
        f"experiment, --parallel 4: {parallel:.3f} s, {total / parallel:,.0f} turns/s "
        f"({bare / parallel:.2f}x the baseline's rate, {sequential / parallel:.2f}x sequential)"
    )
    print(
        f"`pidgin experiment start` returns in {start_returns * 1000:.0f} ms; the daemon has "
        f"started its first conversation after {first_recorded * 1000:.0f} ms"
    )
    print(
        f"  (bare python: {python * 1000:.0f} ms; `pidgin --help`: {help_time * 1000:.0f} ms; "
        f"start = {start_returns / help_time:.2f}x --help, first conversation = "
        f"{first_recorded / help_time:.2f}x --help)"
    )


if __name__ == "__main__":
    main()
