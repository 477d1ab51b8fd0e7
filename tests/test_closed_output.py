"""``pidgin chat … | head -3``: a reader that goes away must not cut the recording off.
Tested with a real pipe, closed by the reader after three lines."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

from pidgin.domain import Conversation
from tests.conftest import run_pidgin
from tests.helpers import recorded_events

TURNS = 30


def test_a_closed_stdout_does_not_stop_the_recording(tmp_path: Path) -> None:
    reader, writer = os.pipe()
    # The smallest pipe the kernel allows: the chat fills it long before it ends, so its
    # later writes meet the closed pipe.
    fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, 4096)
    env = {k: v for k, v in os.environ.items() if k != "PIDGIN_STORE"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pidgin", "chat", "-t", str(TURNS)],
        cwd=tmp_path,
        env=env,
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(writer)
    with os.fdopen(reader, encoding="utf-8") as stream:
        head = [stream.readline() for _ in range(3)]
    _, stderr = process.communicate(timeout=300)
    assert head[0].startswith("Conversation ")
    assert process.returncode == 0, stderr
    assert "the output was closed; the recording goes on" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr

    events = [r.event for r in recorded_events(tmp_path)]
    (ended,) = [e for e in events if isinstance(e, Conversation.ConversationEnded)]
    assert (ended.reason, ended.total_turns) == ("max_turns", TURNS)
    (path,) = (tmp_path / "pidgin_output" / "transcripts").glob("*.json")
    assert json.loads(path.read_text())["turns_completed"] == TURNS
    check = run_pidgin("replay", "--check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
