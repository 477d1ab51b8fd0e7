"""Ctrl+C in a terminal pauses after the current message and offers a menu: here the
human injects a message to both agents, then pauses again and ends the conversation."""

from __future__ import annotations

import signal

from eventlog import open_store
from pidgin.domain import Conversation
from tests.experiments.lifecycle import Terminal, count_messages, wait_for
from tests.helpers import recorded_events, store_url


def test_ctrl_c_pause_menu_injects_a_message_then_ends(tmp_path):
    terminal = Terminal("chat", "-q", "-t", "5000", "-p", "Keep talking.", cwd=tmp_path)
    try:
        wait_for(lambda: count_messages(tmp_path) >= 4)
        terminal.process.send_signal(signal.SIGINT)
        seen = terminal.wait_for_text("Choice")
        terminal.type("i\n")
        seen = terminal.wait_for_text("Message (as the human conductor)", seen)
        terminal.type("Please talk about boats.\n")
        paused_at = count_messages(tmp_path)
        wait_for(lambda: count_messages(tmp_path) >= paused_at + 3)
        terminal.process.send_signal(signal.SIGINT)
        terminal.wait_for_text("Choice", seen)
        terminal.type("e\n")
        assert terminal.process.wait(timeout=60) == 0
    finally:
        terminal.process.kill()
    assert "Traceback" not in terminal.output

    events = [r.event for r in recorded_events(tmp_path)]
    paused = [e for e in events if isinstance(e, Conversation.ConversationPaused)]
    assert [e.reason for e in paused] == ["human", "human"]
    assert sum(isinstance(e, Conversation.ConversationResumed) for e in events) == 1
    (injected,) = [e for e in events if isinstance(e, Conversation.SystemPromptInjected)]
    assert (injected.agents, injected.text, injected.source) == (
        ["a", "b"],
        "Please talk about boats.",
        "human",
    )
    ended = [e.reason for e in events if isinstance(e, Conversation.ConversationEnded)]
    assert ended == ["interrupted"]
    messages = [(e.turn, e.agent) for e in events if isinstance(e, Conversation.MessageCompleted)]
    assert len(messages) == len(set(messages))
    # Every message after the injection was written with it in the agent's history.
    with open_store(store_url(tmp_path), create=False) as log:
        conversation = log.load(events[0].originator_id)
        for agent in ("a", "b"):
            history = conversation.history_for(agent)
            assert any(m.role == "system" and m.content == injected.text for m in history)
    transcript = next((tmp_path / "pidgin_output" / "transcripts").glob("*.md")).read_text()
    assert "(from the human conductor):\n>\n> Please talk about boats." in transcript


def test_ctrl_c_at_the_pause_menu_ends_the_conversation_and_writes_its_transcripts(tmp_path):
    from tests.conftest import run_pidgin

    terminal = Terminal("chat", "-t", "5000", "-p", "Keep talking.", cwd=tmp_path)
    try:
        wait_for(lambda: count_messages(tmp_path) >= 4)
        terminal.process.send_signal(signal.SIGINT)
        terminal.wait_for_text("Choice")
        terminal.process.send_signal(signal.SIGINT)
        assert terminal.process.wait(timeout=60) == 130
    finally:
        terminal.process.kill()
    text = " ".join(terminal.text.split())
    assert "Aborted!" not in text and "Traceback" not in text
    assert "Ending the conversation (interrupted)." in text
    assert "Ended interrupted" in text and "Final convergence" in text  # the summary
    events = [r.event for r in recorded_events(tmp_path)]
    ended = [e.reason for e in events if isinstance(e, Conversation.ConversationEnded)]
    assert ended == ["interrupted"]
    # The transcripts were written from the whole log: nothing is stale.
    check = run_pidgin("replay", "--check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_ctrl_c_stops_a_foreground_experiment_after_the_current_message(tmp_path):
    import json

    from tests.conftest import run_pidgin

    terminal = Terminal(
        "experiment",
        "start",
        "-r",
        "3",
        "-t",
        "200",
        "--name",
        "fg",
        "--foreground",
        cwd=tmp_path,
    )
    try:
        wait_for(lambda: count_messages(tmp_path) >= 6)
        terminal.process.send_signal(signal.SIGINT)
        assert terminal.process.wait(timeout=60) == 130
    finally:
        terminal.process.kill()
    assert "Stopping after the current message" in terminal.text
    assert "Experiment stopped" in terminal.text and "Traceback" not in terminal.text
    stopped = json.loads(
        run_pidgin("experiment", "status", "fg", "--format", "json", cwd=tmp_path).stdout
    )
    assert stopped["status"] == "stopped"
    assert [c["state"] for c in stopped["conversations"]] == ["paused", "pending", "pending"]

    resumed = run_pidgin("experiment", "resume", "fg", "--foreground", "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    done = json.loads(
        run_pidgin("experiment", "status", "fg", "--format", "json", cwd=tmp_path).stdout
    )
    assert done["status"] == "completed"
    assert [c["turns"] for c in done["conversations"]] == [200, 200, 200]
