"""kill -9 of ``pidgin project --workers 2``: no metric worker outlives its parent.

A parent killed outright cannot shut its pool down. Its workers must notice and exit,
or they run for ever, holding the parent's stdout open (so ``pidgin project | cat``
never ends). Each trial kills the parent at a random moment (fixed seed) once its
workers run, then reads its stdout to the end, as ``cat`` would.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
from pathlib import Path

from tests.conftest import pidgin_process, run_pidgin
from tests.experiments.lifecycle import wait_for
from tests.processes import children_of, still_running
from tests.projections.test_analysis import synthetic_store, table_contents

TRIALS = 3
ARGS = ("project", "-q", "--batch-size", "40", "--workers", "2")


def test_kill_9_of_project_leaves_no_worker_behind(workdir: Path) -> None:
    synthetic_store(workdir, conversations=40, turns=10)
    chooser = random.Random(11)
    outcomes = []
    for trial in range(TRIALS):
        target = workdir / f"killed-{trial}.duckdb"
        process = pidgin_process(*ARGS, str(target), cwd=workdir)
        workers: list[int] = []

        def started(p: subprocess.Popen[str] = process, w: list[int] = workers) -> bool:
            w[:] = children_of(p.pid)
            return len(w) >= 2 or p.poll() is not None

        wait_for(started, every=0.005)
        for _ in range(chooser.randrange(0, 40)):  # a random moment of the run
            if process.poll() is not None:
                break
            children_of(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        # Like `| cat`: stdout ends only when no process holds it any more.
        process.communicate(timeout=60)
        wait_for(lambda w=workers: not still_running(w), timeout=30, every=0.02)
        outcomes.append(process.returncode)
    assert outcomes.count(-signal.SIGKILL) >= 2, outcomes  # most kills hit a running parent
    rerun = run_pidgin(*ARGS, str(workdir / "killed-0.duckdb"), cwd=workdir)
    assert rerun.returncode == 0, rerun.stderr
    assert run_pidgin(*ARGS, "clean.duckdb", cwd=workdir).returncode == 0
    assert table_contents(workdir / "killed-0.duckdb") == table_contents(workdir / "clean.duckdb")
