"""Workers in separate processes on the real PostgreSQL store: every conversation runs
exactly once, a worker killed outright loses nothing, rate limits hold across workers."""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

from eventlog import open_store
from tests.distributed.workers import (
    check_every_conversation_once,
    experiment_state,
    start_experiment,
    start_worker,
    wait_until,
    workers,
)
from tests.eventlog.stores import postgres_test_url, reset_postgres
from tests.providers.conftest import write_user_config
from tests.providers.fake_server import FakeProviderServer


def fresh_postgres() -> str:
    url = postgres_test_url()
    reset_postgres(url)
    return url


def test_three_workers_run_thirty_conversations_exactly_once(tmp_path: Path) -> None:
    url = fresh_postgres()
    eid = start_experiment(url, tmp_path, "-r", "30", "-t", "2", "--name", "thirty")
    with workers(url, tmp_path, 3, "--concurrency", "4"):
        wait_until(lambda: experiment_state(url, eid) == "completed", 240, "the experiment")
    check_every_conversation_once(url, eid, turns=2)
    transcripts = list((tmp_path / "out" / "transcripts").glob("*.md"))
    assert len(transcripts) == 30


def test_a_worker_killed_outright_loses_and_repeats_nothing(tmp_path: Path) -> None:
    rng = random.Random(17)
    for trial in range(2):
        kill_after = rng.randint(40, 250)  # events recorded before the kill
        kill_one_worker_then_finish(tmp_path / f"trial{trial}", kill_after)


def kill_one_worker_then_finish(directory: Path, kill_after: int) -> None:
    url = fresh_postgres()
    directory.mkdir()
    eid = start_experiment(url, directory, "-r", "8", "-t", "12", "--name", directory.name)
    with open_store(url, create=False) as log:
        base = log.max_position()

    def progressed() -> bool:
        with open_store(url, create=False) as log:
            return log.max_position() - base >= kill_after

    victim = start_worker(url, directory, "--concurrency", "4")
    try:
        wait_until(progressed, 120, f"{kill_after} events", poll=0.02)
    finally:
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
    assert experiment_state(url, eid) == "running"
    with workers(url, directory, 2, "--concurrency", "4"):
        wait_until(
            lambda: experiment_state(url, eid) == "completed",
            240,
            "the takeover",
            logs=directory / "worker-logs",
        )
    check_every_conversation_once(url, eid, turns=12)


def test_four_workers_share_one_rate_limit(
    tmp_path: Path, provider_env: FakeProviderServer
) -> None:
    """With R requests per window, the provider never sees more than R in any window,
    whatever the number of workers (a short window stands in for a minute)."""
    url = fresh_postgres()
    limit, window = 4, 2.0
    write_user_config(f"[providers.openai]\nrequests_per_minute = {limit}\n")
    eid = start_experiment(url, tmp_path, "-r", "6", "-t", "2", "-a", "gpt-4o", "-b", "gpt-4o")
    with workers(url, tmp_path, 4, "--concurrency", "2", "--rate-window", str(window)):
        wait_until(
            lambda: experiment_state(url, eid) == "completed",
            240,
            "the experiment",
            logs=tmp_path / "worker-logs",
        )
    check_every_conversation_once(url, eid, turns=2)
    arrivals = sorted(r.at for r in provider_env.requests("openai"))
    assert len(arrivals) == 6 * 2 * 2
    # A request is counted when its slot is taken and arrives a moment later (up to a few
    # tenths of a second on a loaded machine): any span that much shorter than the window
    # holds at most `limit` arrivals.
    span = window - 0.5
    busiest = max(sum(1 for t in arrivals if start <= t < start + span) for start in arrivals)
    assert busiest <= limit, busiest
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) / limit - 1) * window * 0.9
