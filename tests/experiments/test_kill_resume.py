"""SIGKILL of the daemon at random moments: resume always finishes every conversation with
the requested turns, no message duplicated or missing; two runners at once never run the
same conversation twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
from pathlib import Path

from click.testing import CliRunner

from pidgin.cli import cli
from pidgin.experiments.daemon import run_experiment, runner_command
from tests.experiments.lifecycle import (
    assert_every_conversation_is_whole,
    count_messages,
    live_status,
    start_in_background,
    status,
    wait_for,
)
from tests.helpers import store_url

TRIALS = 20
CONVERSATIONS, TURNS = 3, 6


def _daemon_pids(directory, experiment_id) -> list[int]:
    folder = directory / "pidgin_output" / "experiments" / str(experiment_id)
    return [int(path.read_text()) for path in folder.glob("daemon-*.pid")]


def test_kill_9_at_random_moments_then_resume_finishes_everything(tmp_path):
    chooser = random.Random(20261203)  # fixed: a failing trial can be run again
    total = CONVERSATIONS * TURNS * 2
    interrupted_seen = 0
    for trial in range(TRIALS):
        directory = tmp_path / f"trial{trial}"
        directory.mkdir()
        experiment_id = start_in_background(
            directory,
            "-r",
            str(CONVERSATIONS),
            "-t",
            str(TURNS),
            "--parallel",
            "2",
            in_process=True,
        )
        (pid,) = _daemon_pids(directory, experiment_id)
        target = chooser.randrange(0, total)
        wait_for(lambda d=directory, t=target: count_messages(d) >= t, every=0.002)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda d=directory, e=experiment_id: live_status(d, e).runners == [])
        state = live_status(directory, experiment_id).state
        assert state in ("interrupted", "completed"), state
        interrupted_seen += state == "interrupted"

        output = directory / "pidgin_output"
        outcome = run_experiment(store_url(directory), experiment_id, output)
        assert outcome.state == "completed"
        assert_every_conversation_is_whole(directory, experiment_id, TURNS)
        _assert_transcripts_match_the_log(directory)
    assert interrupted_seen >= TRIALS // 2  # Most kills really cut the experiment off.


def _assert_transcripts_match_the_log(directory: Path) -> None:
    check = CliRunner().invoke(
        cli,
        [
            "replay",
            "--check",
            "--store",
            store_url(directory),
            "-o",
            str(directory / "pidgin_output"),
        ],
    )
    assert check.exit_code == 0, check.output


def test_resume_writes_the_transcripts_a_kill_left_unwritten(tmp_path: Path) -> None:
    """Killed after a conversation's ConversationEnded, before its transcript: the
    experiment completes, and resuming it writes what is missing or stale."""
    experiment_id = start_in_background(tmp_path, "-r", "2", "-t", "2", in_process=True)
    output = tmp_path / "pidgin_output"
    wait_for(lambda: live_status(tmp_path, experiment_id).state == "completed")
    wait_for(lambda: live_status(tmp_path, experiment_id).runners == [])
    transcripts = sorted((output / "transcripts").glob("*.md"))
    assert len(transcripts) == 2
    transcripts[0].unlink()
    transcripts[1].write_text("stale")
    outcome = run_experiment(store_url(tmp_path), experiment_id, output)
    assert outcome.state == "completed" and outcome.already_complete
    _assert_transcripts_match_the_log(tmp_path)


def test_two_runners_at_once_never_run_a_conversation_twice(tmp_path):
    experiment_id = start_in_background(tmp_path, "-r", "4", "-t", "8", "--parallel", "2")
    (pid,) = _daemon_pids(tmp_path, experiment_id)
    wait_for(lambda: count_messages(tmp_path) >= 5, every=0.002)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: status(tmp_path, experiment_id)["runners"] == [])

    # Two runners started together, bypassing `resume`'s "already running" check: only
    # the log's optimistic concurrency keeps them apart.
    env = {**os.environ, "PIDGIN_STORE": store_url(tmp_path)}
    command = runner_command(experiment_id, tmp_path / "pidgin_output")
    runners = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [runner.communicate(timeout=120)[0].decode() for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0], outputs
    assert_every_conversation_is_whole(tmp_path, experiment_id, 8)
