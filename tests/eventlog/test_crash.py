"""A writer killed with SIGKILL at random moments never costs an acknowledged event.

Each round starts a writer process that appends transactions of 1-6 events and prints an
acknowledgement after each save returns; the test kills it at a random moment, usually in
the middle of a write. After all rounds, ``pidgin log verify`` must accept the store and
every acknowledged event must be in it. Bounded: 50 rounds per store, each at most 3 s.
SIGKILL rarely lands inside the single write() of a JSONL append, so torn tails are also
made on purpose, at 50 random byte offsets, in test_jsonl_store.py.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from eventlog import open_store
from tests.eventlog.stores import fresh_store_url

ROUNDS = 50
REPO_ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PIDGIN_STORE", None)
    return env


def _kill_one_writer(url: str, seed: int, rng: random.Random) -> list[tuple[UUID, int]]:
    """Start a writer, SIGKILL it after a random delay; return what it acknowledged."""
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.eventlog.workers", "crash", url, str(seed)],
        cwd=REPO_ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        first = writer.stdout.readline()
        assert first == "ready\n", first + writer.stderr.read() if writer.stderr else ""
        try:
            writer.wait(timeout=rng.uniform(0.0, 0.12))
        except subprocess.TimeoutExpired:
            writer.send_signal(signal.SIGKILL)
        stdout, stderr = writer.communicate(timeout=3)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL, stderr
    acknowledged = []
    for line in stdout.splitlines():
        if line.startswith("ack ") and line.count(" ") == 2:
            _, aggregate_id, version = line.split(" ")
            acknowledged.append((UUID(aggregate_id), int(version)))
    return acknowledged


@pytest.mark.parametrize("store", ["jsonl", "sqlite", "postgresql"])
def test_sigkill_loop_loses_no_acknowledged_event(store: str, tmp_path: Path) -> None:
    url = fresh_store_url(store, tmp_path)
    rng = random.Random(20261125)
    acknowledged: list[tuple[UUID, int]] = []
    for round_number in range(ROUNDS):
        acknowledged += _kill_one_writer(url, round_number, rng)
    assert len(acknowledged) > ROUNDS  # the writers did write between kills

    verify = subprocess.run(
        [sys.executable, "-m", "pidgin", "log", "verify", "--store", url],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.rstrip().endswith(": OK")

    with open_store(url, create=False) as log:
        versions: dict[UUID, int] = {}
        for recorded in log.read():
            versions[recorded.originator_id] = recorded.version
    for aggregate_id, version in acknowledged:
        assert versions.get(aggregate_id, 0) >= version, (aggregate_id, version)
    if store == "jsonl":
        # Whatever a kill cut off was moved aside, never left in the log.
        for aside in (tmp_path / "log").glob("events.jsonl.torn-*"):
            assert not aside.read_bytes().endswith(b"\n") or b'"rest":' in aside.read_bytes()
