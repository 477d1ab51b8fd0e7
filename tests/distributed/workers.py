"""Worker processes for the distributed tests: start, wait for an experiment, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from eventlog import open_store
from pidgin.domain import Conversation
from pidgin.domain.experiment import Experiment

HEARTBEAT = "1"
"""Seconds between heartbeats: a killed worker's jobs are queued again after 3 of them
(shorter risks taking a live worker for dead when the machine is loaded)."""


def start_worker(url: str, cwd: Path, *extra: str) -> subprocess.Popen[str]:
    """A worker whose output goes to a file of its own (a pipe nobody reads would fill)."""
    env = {k: v for k, v in os.environ.items() if k != "PIDGIN_STORE"}
    logs = cwd / "worker-logs"
    logs.mkdir(exist_ok=True)
    with (logs / f"{time.monotonic_ns()}.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pidgin", "worker", "--store", url, "--heartbeat", HEARTBEAT,
             "-o", str(cwd / "out"), *extra],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip


@contextmanager
def workers(url: str, cwd: Path, count: int, *extra: str) -> Iterator[list[subprocess.Popen[str]]]:
    started = [start_worker(url, cwd, *extra) for _ in range(count)]
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_experiment(url: str, cwd: Path, *args: str) -> UUID:
    result = subprocess.run(
        [sys.executable, "-m", "pidgin", "experiment", "start", "--distributed", "--store", url,
         "-o", str(cwd / "out"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith("id:"))
    return UUID(line.split()[-1])


def wait_until(
    condition: Any, timeout: float, what: str, poll: float = 0.1, logs: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            seen = ""
            if logs is not None:
                seen = "\n".join(p.read_text()[-2000:] for p in sorted(logs.glob("*.log")))
            raise AssertionError(f"timed out waiting for {what}\n{seen}")
        time.sleep(poll)


def experiment_state(url: str, experiment_id: UUID) -> str:
    with open_store(url, create=False) as log:
        experiment: Experiment = log.load(experiment_id)
        return experiment.state


def check_every_conversation_once(url: str, experiment_id: UUID, turns: int) -> None:
    """Each scheduled conversation ended after ``turns`` turns with each message recorded
    once, its versions contiguous from 1."""
    with open_store(url, create=False) as log:
        experiment: Experiment = log.load(experiment_id)
        assert experiment.state == "completed"
        assert not experiment.unfinished()
        for cid in experiment.scheduled:
            events = log.aggregate_events(cid)
            assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
            conversation: Conversation = log.load(cid)
            assert conversation.end_reason == "max_turns", (cid, conversation.end_reason)
            spoken = [(m.turn, m.agent) for m in conversation.messages]
            assert spoken == [(t, a) for t in range(1, turns + 1) for a in "ab"], cid
