"""A killed or interrupted chat never loses a completed message, and replay still works."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from eventlog import open_store
from pidgin.domain import Conversation
from pidgin.providers.local_test_text import compose_reply
from tests.conftest import pidgin_process, run_pidgin
from tests.helpers import completed_messages, recorded_events, store_url


def wait_for_messages(directory: Path, count: int, timeout: float = 60) -> list[str]:
    """Poll the store (as another reader would) until ``count`` messages are committed."""
    deadline = time.monotonic() + timeout
    database = directory / "pidgin_output" / "events.db"
    while time.monotonic() < deadline:
        if database.exists():
            try:
                texts = [m.text for m in completed_messages(directory)]
            except Exception:  # The writer may still be creating the tables.
                texts = []
            if len(texts) >= count:
                return texts
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} messages were committed within {timeout}s")


def test_sigkill_loses_no_completed_message(tmp_path):
    process = pidgin_process("chat", "-q", "-t", "5000", "-p", "Keep talking.", cwd=tmp_path)
    try:
        seen_before_kill = wait_for_messages(tmp_path, 40)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL

    events = recorded_events(tmp_path)
    versions = [r.version for r in events]
    assert versions == list(range(1, len(events) + 1))  # Contiguous: nothing torn or missing.
    texts = [r.event.text for r in events if isinstance(r.event, Conversation.MessageCompleted)]
    assert texts[: len(seen_before_kill)] == seen_before_kill

    # Every recorded message is exactly what local:test answers to the history before it.
    with open_store(store_url(tmp_path), create=False) as log:
        conversation_id = events[0].originator_id
        for recorded in events:
            if isinstance(recorded.event, Conversation.MessageCompleted):
                before = log.load(conversation_id, version=recorded.version - 1)
                history = before.history_for(recorded.event.agent)
                assert recorded.event.text == compose_reply(history)

    replayed = run_pidgin("replay", cwd=tmp_path)
    assert replayed.returncode == 0, replayed.stderr
    (json_file,) = (tmp_path / "pidgin_output" / "transcripts").glob("*.json")
    document = json.loads(json_file.read_text())
    assert [m["text"] for m in document["messages"]] == texts
    assert document["end_reason"] is None


def test_ctrl_c_ends_the_conversation_as_interrupted(tmp_path):
    process = pidgin_process("chat", "-t", "5000", "-p", "Keep talking.", cwd=tmp_path)
    try:
        wait_for_messages(tmp_path, 6)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert "interrupted" in stdout

    events = recorded_events(tmp_path)
    ended = [r.event for r in events if isinstance(r.event, Conversation.ConversationEnded)]
    assert [e.reason for e in ended] == ["interrupted"]
    texts = [m.text for m in completed_messages(tmp_path)]
    (json_file,) = (tmp_path / "pidgin_output" / "transcripts").glob("*.json")
    document = json.loads(json_file.read_text())
    assert document["end_reason"] == "interrupted"
    assert [m["text"] for m in document["messages"]] == texts
    assert len(texts) >= 6
