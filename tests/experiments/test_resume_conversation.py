"""A conversation rebuilt from the log continues from its last completed message, from
any point at which a crash could have cut it off, and only one process can continue it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from eventlog import ConcurrencyConflictError, open_store
from pidgin.bus import EventBus
from pidgin.conductor import Conductor
from pidgin.domain import AgentSpec, Conversation
from pidgin.providers.local_test import LocalTestProvider
from tests.conftest import run_pidgin
from tests.experiments.recording import RecordingProvider
from tests.helpers import recorded_events

TURNS = 3


def _new_conversation() -> Conversation:
    spec = AgentSpec(model="local:test", provider="local", display_name="Test")
    return Conversation.start(spec, spec, "Talk about rivers.", TURNS)


def _local() -> dict:
    return {"a": LocalTestProvider(), "b": LocalTestProvider()}


def _messages(events) -> list[tuple[int, str, str]]:
    return [
        (e.turn, e.agent, e.text) for e in events if isinstance(e, Conversation.MessageCompleted)
    ]


def test_a_conversation_cut_off_anywhere_continues_to_the_same_end(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/full.db") as log:
        conversation = _new_conversation()
        asyncio.run(Conductor(log, EventBus(), _local()).run(conversation))
        full = log.aggregate_events(conversation.id)
    reference = _messages(full)
    assert len(reference) == 2 * TURNS

    # Every prefix of the log is a state a SIGKILL could leave behind (a crash mid-stream
    # leaves a MessageRequested without its MessageCompleted, a crash mid-turn one agent's
    # message only, ...). Each must continue to exactly the uninterrupted conversation.
    for cut in range(1, len(full)):
        with open_store(f"sqlite:///{tmp_path}/cut{cut}.db") as log:
            log.save(*full[:cut])
            rebuilt = log.load(conversation.id)
            asyncio.run(Conductor(log, EventBus(), _local()).run(rebuilt))
            events = log.aggregate_events(conversation.id)
        assert _messages(events) == reference, f"cut after event {cut}"
        assert events[-1].reason == "max_turns"
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))


def test_a_second_process_loses_at_its_first_write_before_calling_a_provider(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        conversation = _new_conversation()
        log.save(conversation)
        stale = log.load(conversation.id)
        winner = log.load(conversation.id)
        asyncio.run(Conductor(log, EventBus(), _local()).run(winner))

        recording = {"a": RecordingProvider("A"), "b": RecordingProvider("B")}
        with pytest.raises(ConcurrencyConflictError):
            asyncio.run(Conductor(log, EventBus(), recording).run(stale))
        assert recording["a"].sent == [] and recording["b"].sent == []
        assert len(_messages(log.aggregate_events(conversation.id))) == 2 * TURNS


def test_chat_resume_continues_a_paused_conversation_through_the_cli(tmp_path):
    # Convergence action "pause" at threshold 0 pauses after turn 1; without a terminal
    # the chat leaves it paused and exits.
    first = run_pidgin(
        "chat",
        "-q",
        "-t",
        "4",
        "--convergence-threshold",
        "0",
        "--convergence-action",
        "pause",
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    events = [r.event for r in recorded_events(tmp_path)]
    assert any(isinstance(e, Conversation.ConversationPaused) for e in events)
    assert not any(isinstance(e, Conversation.ConversationEnded) for e in events)
    conversation_id = str(events[0].originator_id)

    refused = run_pidgin("chat", "--resume", conversation_id[:8], "-t", "9", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--turns cannot be changed when resuming" in refused.stderr
    assert "Traceback" not in refused.stderr

    # "pause" pauses again at the next turn's threshold; a resume that keeps it moves on
    # one turn and says how to go on.
    resumed = run_pidgin("chat", "-q", "--resume", conversation_id[:8], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Continue with: pidgin chat --resume {conversation_id}" in resumed.stdout
    paused = [r.event for r in recorded_events(tmp_path)]
    assert [e.turn for e in paused if isinstance(e, Conversation.ConversationPaused)] == [1, 2]
    # Changing the action on resuming is a decision, recorded; then it runs to its end.
    resumed = run_pidgin(
        "chat", "-q", "--resume", conversation_id[:8], "--convergence-action", "notify",
        "--convergence-threshold", "0.5", cwd=tmp_path,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert "Continue with" not in resumed.stdout
    events = [r.event for r in recorded_events(tmp_path)]
    (changed,) = [e for e in events if isinstance(e, Conversation.ConvergenceSettingsChanged)]
    assert (changed.turn, changed.threshold, changed.action) == (2, 0.5, "notify")
    reached = [e for e in events if isinstance(e, Conversation.ConvergenceThresholdReached)]
    assert [(e.turn, e.threshold) for e in reached][:2] == [(1, 0.0), (2, 0.0)]
    assert all((e.threshold, e.action) == (0.5, "notify") for e in reached[2:])
    messages = [(e.turn, e.agent) for e in events if isinstance(e, Conversation.MessageCompleted)]
    assert messages == [(turn, agent) for turn in range(1, 5) for agent in "ab"]
    assert [e.reason for e in events if isinstance(e, Conversation.ConversationEnded)] == [
        "max_turns"
    ]
    markdown = Path(tmp_path, "pidgin_output", "transcripts", f"{conversation_id}.md").read_text()
    assert "- **Convergence changed after turn 2:** threshold 0.5, action notify" in markdown
    assert run_pidgin("project", "--to", "duckdb", cwd=tmp_path).returncode == 0
    sql = "SELECT convergence_threshold, convergence_action FROM conversations"
    row = run_pidgin("query", sql, "--format", "json", cwd=tmp_path)
    assert row.returncode == 0, row.stderr
    assert json.loads(row.stdout) == [
        {"convergence_threshold": 0.5, "convergence_action": "notify"}
    ]

    done = run_pidgin("chat", "--resume", conversation_id, cwd=tmp_path)
    assert done.returncode == 0
    assert "has already ended (max_turns, 4 turns); nothing to resume" in done.stdout
    transcript = Path(tmp_path, "pidgin_output", "transcripts", f"{conversation_id}.json")
    assert json.loads(transcript.read_text())["turns_completed"] == 4
