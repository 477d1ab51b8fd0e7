"""Convergence drives the conversation: stop, pause and notify, each recorded in an event."""

from __future__ import annotations

import asyncio

from eventlog import open_store
from pidgin.bus import EventBus
from pidgin.conductor import Conductor
from pidgin.domain import Conversation
from pidgin.providers.local_test import LocalTestProvider
from projections.metrics import PROFILES, conversation_convergence
from tests.helpers import recorded_events, store_url


def events_of(workdir, kind):
    return [r.event for r in recorded_events(workdir) if type(r.event).__name__ == kind]


def test_stop_ends_with_high_convergence(run_cli, workdir):
    result = run_cli("chat", "-q", "-t", "5", "--convergence-threshold", "0.1")
    assert result.exit_code == 0
    (reached,) = events_of(workdir, "ConvergenceThresholdReached")
    (ended,) = events_of(workdir, "ConversationEnded")
    assert (reached.turn, reached.action, reached.threshold) == (1, "stop", 0.1)
    assert ended.reason == "high_convergence" and ended.total_turns == 1


def test_notify_records_every_crossing_and_goes_on(run_cli, workdir):
    # Calibrated scores of local:test dip below 0.1 in some turns; every score is >= 0.
    args = ("-t", "3", "--convergence-threshold", "0", "--convergence-action", "notify")
    assert run_cli("chat", "-q", *args).exit_code == 0
    reached = events_of(workdir, "ConvergenceThresholdReached")
    assert [(r.turn, r.action, r.threshold) for r in reached] == [
        (1, "notify", 0.0),
        (2, "notify", 0.0),
        (3, "notify", 0.0),
    ]
    (ended,) = events_of(workdir, "ConversationEnded")
    assert ended.reason == "max_turns"


def test_a_threshold_not_reached_records_nothing(run_cli, workdir):
    assert run_cli("chat", "-q", "-t", "2", "--convergence-threshold", "1.0").exit_code == 0
    assert events_of(workdir, "ConvergenceThresholdReached") == []


def test_pause_stops_running_and_the_conversation_resumes_later(run_cli, workdir):
    args = ("-t", "4", "--convergence-threshold", "0.1", "--convergence-action", "pause")
    assert run_cli("chat", "-q", *args).exit_code == 0
    (paused,) = events_of(workdir, "ConversationPaused")
    assert (paused.reason, paused.turn) == ("high_convergence", 1)
    assert events_of(workdir, "ConversationEnded") == []
    with open_store(store_url(workdir), create=False) as log:
        conversation = log.load(paused.originator_id)
        assert conversation.is_paused and conversation.completed_turns == 1
        providers = {"a": LocalTestProvider(), "b": LocalTestProvider()}
        asyncio.run(Conductor(log, EventBus(), providers).run(conversation))
    assert len(events_of(workdir, "ConversationResumed")) == 1
    assert [p.turn for p in events_of(workdir, "ConversationPaused")] == [1, 2]


def test_profile_and_weights_are_recorded_and_used_live(run_cli, workdir):
    weights = "content=0.7,structure=0.1,sentences=0.1,length=0.05,punctuation=0.05"
    assert run_cli("chat", "-q", "-t", "3", "--convergence-profile", weights).exit_code == 0
    (policy,) = events_of(workdir, "ConvergencePolicyChosen")
    assert policy.profile == "custom" and policy.weights["content"] == 0.7
    messages = [(m.agent, m.text) for m in events_of(workdir, "MessageCompleted")]
    scores = [t.convergence for t in events_of(workdir, "TurnCompleted")]
    assert scores == [
        conversation_convergence(messages[: 2 * turn], policy.weights) for turn in (1, 2, 3)
    ]
    assert scores[0] != conversation_convergence(messages[:2], PROFILES["balanced"])


def test_bad_profile_is_a_one_line_usage_error(run_cli, workdir):
    result = run_cli("chat", "-q", "--convergence-profile", "content=1")
    assert result.exit_code == 2 and "convergence weights miss" in result.output
    assert not (workdir / "pidgin_output" / "events.db").exists()


def test_default_policy_adds_no_event(run_cli, workdir):
    assert run_cli("chat", "-q", "-t", "1").exit_code == 0
    assert events_of(workdir, "ConvergencePolicyChosen") == []
    assert isinstance(recorded_events(workdir)[0].event, Conversation.ConversationStarted)
