"""A 5-conversation local:test experiment in the background: list, status, stop, resume."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pidgin.cli import cli
from tests.conftest import run_pidgin
from tests.experiments.lifecycle import (
    assert_every_conversation_is_whole,
    count_messages,
    start_in_background,
    status,
    wait_for,
)

TURNS = 150


def test_background_experiment_lists_stops_and_resumes(tmp_path):
    experiment_id = start_in_background(
        tmp_path, "-r", "5", "-t", str(TURNS), "--name", "five", "-w", "basic"
    )
    pid_files = list(
        (tmp_path / "pidgin_output" / "experiments" / str(experiment_id)).glob("*.pid")
    )
    assert len(pid_files) == 1  # The daemon's PID file exists as soon as start returns.
    wait_for(lambda: count_messages(tmp_path) >= 4)

    # In-process, so the stop arrives while the first conversations still run.
    output = str(tmp_path / "pidgin_output")
    stopped = CliRunner().invoke(cli, ["experiment", "stop", "five", "-o", output])
    assert stopped.exit_code == 0, stopped.output
    assert "Experiment five is stopped" in stopped.output
    after_stop = status(tmp_path, experiment_id)
    assert after_stop["status"] == "stopped" and after_stop["runners"] == []
    states = [c["state"] for c in after_stop["conversations"]]
    assert "running" not in states and "interrupted" not in states
    assert any(state in ("pending", "paused") for state in states)  # Work was left.
    # A graceful stop pauses the conversation under way after its current message.
    assert states.count("paused") <= 1

    listed = run_pidgin("experiment", "list", "--format", "json", cwd=tmp_path)
    (row,) = json.loads(listed.stdout)
    assert (row["name"], row["id"], row["status"]) == ("five", str(experiment_id), "stopped")
    assert (row["total"], row["finished"]) == (5, states.count("ended"))

    again = run_pidgin("experiment", "stop", "five", cwd=tmp_path)
    assert "already stopped; nothing to stop" in again.stdout

    resumed = run_pidgin("experiment", "resume", str(experiment_id)[:8], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed experiment five in the background" in resumed.stdout
    wait_for(lambda: status(tmp_path, experiment_id)["status"] == "completed", every=0.3)

    final = status(tmp_path, experiment_id)
    assert final["counts"] == {"completed": 5, "failed": 0, "interrupted": 0}
    assert [c["turns"] for c in final["conversations"]] == [TURNS] * 5
    assert_every_conversation_is_whole(tmp_path, experiment_id, TURNS)

    transcripts = tmp_path / "pidgin_output" / "transcripts"
    for conversation in final["conversations"]:
        document = json.loads((transcripts / f"{conversation['id']}.json").read_text())
        assert document["experiment_id"] == str(experiment_id)
        assert document["turns_completed"] == TURNS
        assert (
            document["agents"]["b"]["system_prompt"]
            == "You are an AI, and you are talking with another AI."
        )
    assert run_pidgin("replay", "--check", cwd=tmp_path).returncode == 0

    finished = run_pidgin("experiment", "resume", "five", cwd=tmp_path)
    assert finished.returncode == 0
    assert "has already completed; nothing to resume" in finished.stdout
    log_text = tmp_path / "pidgin_output" / "experiments" / str(experiment_id) / "daemon.log"
    assert "done: experiment completed" in log_text.read_text()

    monitor = run_pidgin("monitor", "--once", "--all", cwd=tmp_path)
    assert monitor.returncode == 0 and "five" in monitor.stdout and "5/5" in monitor.stdout


def test_status_of_an_unknown_experiment_is_a_one_line_error(tmp_path):
    start = run_pidgin("experiment", "start", "-t", "1", "--foreground", "-q", cwd=tmp_path)
    assert start.returncode == 0, start.stderr
    result = run_pidgin("experiment", "status", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: no experiment in the store matches 'nope'"


def test_attach_follows_the_running_conversation_and_detaches_without_stopping(tmp_path):
    import signal

    from tests.experiments.lifecycle import Terminal

    experiment_id = start_in_background(tmp_path, "-r", "2", "-t", "3000", "--name", "watched")
    try:
        wait_for(lambda: count_messages(tmp_path) >= 2)
        attached = Terminal("experiment", "attach", "watched", cwd=tmp_path)
        seen = attached.wait_for_text("Ctrl+C detaches.")
        seen = attached.wait_for_text("Test-A:", seen)
        attached.wait_for_text("Test-B:", seen)
        attached.process.send_signal(signal.SIGINT)
        assert attached.process.wait(timeout=60) == 0
        attached.wait_for_text("Detached; the experiment goes on.")
        assert "Attached to watched (running, 0/2 finished)" in attached.text
        assert status(tmp_path, experiment_id)["status"] == "running"
    finally:
        run_pidgin("experiment", "stop", "watched", "--now", cwd=tmp_path)
    final = status(tmp_path, experiment_id)
    assert final["status"] == "stopped"
    assert final["counts"]["interrupted"] == 1
