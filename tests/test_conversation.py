"""The Conversation aggregate's rules, the derived histories, and the conductor's turn-taking."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from eventlog import open_store
from pidgin.bus import EventBus, MessageChunk
from pidgin.conductor import Conductor
from pidgin.domain import AgentSpec, ChatMessage, Conversation, ConversationRuleError
from pidgin.providers.base import ProviderError, ResponseUsage
from pidgin.providers.local_test import LocalTestProvider

SPEC = AgentSpec(model="local:test", provider="local", display_name="Test")


def new_conversation(**settings) -> Conversation:
    return Conversation.start(SPEC, SPEC, "Start here.", settings.pop("max_turns", 3), **settings)


def test_rules_refuse_out_of_order_commands():
    conversation = new_conversation()
    with pytest.raises(ConversationRuleError):
        conversation.request_message("a", 1)  # Turn 1 has not started.
    conversation.start_turn(1)
    with pytest.raises(ConversationRuleError):
        conversation.complete_message(
            "a",
            1,
            "hi",
            tokens_in=1,
            tokens_out=1,
            time_to_first_token=None,
            duration=0.1,
            model="m",
        )
    conversation.request_message("a", 1)
    with pytest.raises(ConversationRuleError):
        conversation.complete_turn(1, 0.5)  # B has not spoken.
    conversation.end("interrupted")
    with pytest.raises(ConversationRuleError):
        conversation.start_turn(2)
    with pytest.raises(ConversationRuleError):
        Conversation.start(SPEC, SPEC, "x", 0)


def test_each_agent_sees_its_own_messages_as_assistant():
    conversation = new_conversation()
    conversation.start_turn(1)
    for agent, text in (("a", "from a"), ("b", "from b")):
        conversation.request_message(agent, 1)
        conversation.complete_message(
            agent,
            1,
            text,
            tokens_in=1,
            tokens_out=1,
            time_to_first_token=None,
            duration=0.1,
            model="m",
        )
    assert conversation.history_for("a") == [
        ChatMessage("user", "Start here."),
        ChatMessage("assistant", "from a"),
        ChatMessage("user", "from b"),
    ]
    # B's first user message joins the prompt and A's reply: roles strictly alternate.
    assert conversation.history_for("b") == [
        ChatMessage("user", "Start here.\n\nfrom a"),
        ChatMessage("assistant", "from b"),
    ]


def record(conversation: Conversation, providers, tmp_path, bus: EventBus | None = None):
    with open_store(f"sqlite:///{str(tmp_path / 'e.db').lstrip('/')}") as log:
        asyncio.run(Conductor(log, bus or EventBus(), providers).run(conversation))
        return [r.event for r in log.read()]


def test_first_speaker_b_speaks_first_every_turn(tmp_path):
    provider = LocalTestProvider()
    events = record(new_conversation(first_speaker="b"), {"a": provider, "b": provider}, tmp_path)
    requested = [e.agent for e in events if isinstance(e, Conversation.MessageRequested)]
    assert requested == ["b", "a"] * 3
    ended = events[-1]
    assert isinstance(ended, Conversation.ConversationEnded)
    assert (ended.reason, ended.total_turns) == ("max_turns", 3)


def test_threshold_ends_on_high_convergence(tmp_path):
    provider = LocalTestProvider()
    conversation = new_conversation(max_turns=10, convergence_threshold=0.0)
    events = record(conversation, {"a": provider, "b": provider}, tmp_path)
    turns = [e for e in events if isinstance(e, Conversation.TurnCompleted)]
    assert len(turns) == 1
    assert events[-1].reason == "high_convergence"


class FailingProvider:
    """A provider whose stream breaks after one chunk."""

    name = "broken"
    last_usage: ResponseUsage | None = None

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        yield "partial "
        raise ProviderError("connection reset", status=503, retryable=True)


def test_provider_failure_is_recorded_and_partial_text_is_not(tmp_path):
    events = record(
        new_conversation(), {"a": LocalTestProvider(), "b": FailingProvider()}, tmp_path
    )
    completed = [e for e in events if isinstance(e, Conversation.MessageCompleted)]
    assert [e.agent for e in completed] == ["a"]
    (error,) = [e for e in events if isinstance(e, Conversation.ProviderErrored)]
    assert (error.agent, error.provider, error.status, error.message) == (
        "b",
        "broken",
        503,
        "connection reset",
    )
    assert events[-1].reason == "error"


def test_bus_delivers_chunks_then_the_saved_message(tmp_path):
    bus = EventBus()
    seen: list[object] = []

    async def on_chunk(chunk: MessageChunk) -> None:
        seen.append(chunk)

    bus.subscribe(MessageChunk, on_chunk)
    unsubscribe = bus.subscribe(Conversation.MessageCompleted, seen.append)
    provider = LocalTestProvider()
    record(new_conversation(max_turns=1), {"a": provider, "b": provider}, tmp_path, bus)

    first_done = next(
        i for i, item in enumerate(seen) if isinstance(item, Conversation.MessageCompleted)
    )
    chunks = [item for item in seen[:first_done] if isinstance(item, MessageChunk)]
    assert len(chunks) > 1 and "".join(c.text for c in chunks) == seen[first_done].text
    unsubscribe()
    count = len(seen)
    asyncio.run(bus.publish(seen[first_done]))
    assert len(seen) == count  # The unsubscribed handler no longer receives messages.
