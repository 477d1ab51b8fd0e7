"""Conversations the CLI cannot be made to record on demand, written through the domain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from eventlog import open_store
from pidgin.domain import AgentSpec, Conversation
from tests.helpers import recorded_events, store_url

SPEC = AgentSpec(model="local:test", provider="local", display_name="Test")


def record_errored(workdir: Path) -> str:
    """A conversation that failed: one message, a provider error, ended with 'error'."""
    conversation = Conversation.start(SPEC, SPEC, "Begin.", 3, name="failing")
    conversation.start_turn(1)
    conversation.request_message("a", 1)
    conversation.complete_message(
        "a", 1, "First words.", tokens_in=3, tokens_out=2, time_to_first_token=None,
        duration=0.1, model="local:test",
    )  # fmt: skip
    conversation.request_message("b", 1)
    conversation.record_rate_limited("b", "openai", 2.5, "429 from the API")
    conversation.record_provider_error("b", "openai", "server overloaded", status=529, attempt=3)
    conversation.end("error")
    with open_store(store_url(workdir), create=True) as log:
        log.save(conversation)
    return str(conversation.id)


def record_every_kind(workdir: Path, run_cli: Callable[..., Result]) -> dict[str, str]:
    """Conversations of every kind, by kind: injected (a scheduled system message at turn
    2, research system prompts), paused (at a convergence threshold), stopped (by a stop
    condition), branched (from the injected one at turn 1) and errored."""
    awareness = workdir / "inject.yaml"
    awareness.write_text('base: research\nprompts:\n  2: {both: "Use short words now."}\n')
    pause = ("--convergence-threshold", "0.01", "--convergence-action", "pause")
    stop = ("--stop-on", r"\bcaravans\b")
    for options in (("-w", str(awareness)), pause, stop):
        assert run_cli("chat", "-q", "-t", "3", "-p", "Talk.", *options).exit_code == 0
    injected, paused, stopped = started_ids(workdir)
    assert run_cli("branch", injected[:8], "--turn", "1", "-t", "2", "-q").exit_code == 0
    branched = started_ids(workdir)[-1]
    errored = record_errored(workdir)
    return {
        "injected": injected,
        "paused": paused,
        "stopped": stopped,
        "branched": branched,
        "errored": errored,
    }


def started_ids(workdir: Path) -> list[str]:
    """The ids of the conversations in the default store, in the order they started."""
    return [
        str(r.event.originator_id)
        for r in recorded_events(workdir)
        if isinstance(r.event, Conversation.ConversationStarted)
    ]
