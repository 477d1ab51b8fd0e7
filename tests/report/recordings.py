"""Conversations the CLI cannot be made to record on demand, written through the domain."""

from __future__ import annotations

from pathlib import Path

from eventlog import open_store
from pidgin.domain import AgentSpec, Conversation
from tests.helpers import store_url

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
