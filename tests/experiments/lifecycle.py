"""Helpers for tests that drive experiments through the CLI and read the log."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from click.testing import CliRunner

from eventlog import open_store
from pidgin.cli import cli
from pidgin.domain import Conversation
from pidgin.domain.experiment import Experiment
from pidgin.experiments.status import ExperimentStatus, read_status
from pidgin.providers.local_test_text import compose_reply
from tests.conftest import run_pidgin
from tests.helpers import store_url


def start_in_background(directory: Path, *args: str, in_process: bool = False) -> UUID:
    """``pidgin experiment start ARGS`` (the daemon is always a separate process)."""
    if in_process:  # Saves an interpreter start where a test starts many experiments.
        output = str(directory / "pidgin_output")
        invoked = CliRunner().invoke(cli, ["experiment", "start", *args, "-o", output])
        assert invoked.exit_code == 0, invoked.output
        text = invoked.output
    else:
        result = run_pidgin("experiment", "start", *args, cwd=directory)
        assert result.returncode == 0, result.stderr
        text = result.stdout
    match = re.search(r"id:\s+([0-9a-f-]{36})", text)
    assert match, text
    return UUID(match.group(1))


def live_status(directory: Path, experiment_id: UUID) -> ExperimentStatus:
    """The status as ``pidgin experiment status`` computes it, without a new process."""
    with open_store(store_url(directory), create=False) as log:
        return read_status(log, experiment_id, directory / "pidgin_output", conversations=False)


def status(directory: Path, experiment_id: UUID) -> dict[str, Any]:
    result = run_pidgin(
        "experiment", "status", str(experiment_id), "--format", "json", cwd=directory
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def count_messages(directory: Path) -> int:
    """Committed messages, read as another process would (0 before the store exists)."""
    if not (directory / "pidgin_output" / "events.db").exists():
        return 0
    try:
        with open_store(store_url(directory), create=False) as log:
            return sum(1 for _ in log.read(event_types=[Conversation.MessageCompleted]))
    except Exception:  # The writer may still be creating the tables.
        return 0


def wait_for(condition: Any, timeout: float = 120.0, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(every)


def assert_every_conversation_is_whole(directory: Path, experiment_id: UUID, turns: int) -> None:
    """Completed experiment; each conversation has each (turn, agent) message exactly once,
    ends with max_turns, and the experiment recorded each conversation finished once."""
    with open_store(store_url(directory), create=False) as log:
        experiment: Experiment = log.load(experiment_id)
        assert experiment.state == "completed"
        events = log.aggregate_events(experiment_id)
        finished = [e for e in events if isinstance(e, Experiment.ConversationFinished)]
        assert sorted(e.conversation_id for e in finished) == sorted(
            str(cid) for cid in experiment.scheduled
        )
        for cid in experiment.scheduled:
            conversation_events = log.aggregate_events(cid)
            messages = [
                e for e in conversation_events if isinstance(e, Conversation.MessageCompleted)
            ]
            assert [(m.turn, m.agent) for m in messages] == [
                (turn, agent) for turn in range(1, turns + 1) for agent in "ab"
            ], cid
            ended = [
                e for e in conversation_events if isinstance(e, Conversation.ConversationEnded)
            ]
            assert [e.reason for e in ended] == ["max_turns"]
            # local:test is deterministic given the history and the conversation's seed, so
            # a resumed conversation must say exactly what an uninterrupted one says.
            for message in messages:
                before: Conversation = log.load(cid, version=message.originator_version - 1)
                agent = message.agent
                expected = compose_reply(
                    before.history_for(agent), before.agents[agent].temperature, before.seed
                )
                assert message.text == expected, (cid, message.turn, agent)


class Terminal:
    """A pseudo-terminal running ``pidgin``: what it prints is collected, keys are typed."""

    def __init__(self, *args: str, cwd: Path) -> None:
        controller, device = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "PIDGIN_STORE"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pidgin", *args],
            cwd=cwd,
            env=env,
            stdin=device,
            stdout=device,
            stderr=device,
        )
        os.close(device)
        self._controller = controller
        self.output = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._controller, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data.decode(errors="replace")

    def wait_for_text(self, text: str, after: int = 0, timeout: float = 60) -> int:
        wait_for(lambda: text in self.output[after:], timeout=timeout, every=0.02)
        return self.output.index(text, after) + len(text)

    @property
    def text(self) -> str:
        """What was printed, without terminal styling."""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.output)

    def type(self, keys: str) -> None:
        os.write(self._controller, keys.encode())
