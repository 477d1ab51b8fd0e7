"""Retries, backoff and rate limits, as the conductor records them, with real providers
streaming from the protocol server into a real SQLite store."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from eventlog import open_store
from pidgin.agents_setup import build_agents
from pidgin.bus import EventBus, MessageChunk
from pidgin.conductor import Conductor
from pidgin.domain import Conversation
from pidgin.providers.base import ProviderError
from pidgin.providers.pacing import Pacing
from pidgin.providers.rate_limit import RateLimiter
from pidgin.providers.retry import RetryPolicy
from tests.providers.conftest import write_user_config
from tests.providers.fake_server import FakeProviderServer, Fault, reply_text

FAST_RETRIES = "[providers.{provider}]\nmax_attempts = 3\nretry_base_delay = 0.01\n"


def run_chat(
    tmp_path: Path, model_a: str, model_b: str, turns: int = 1, **conductor: Any
) -> tuple[list[Any], list[MessageChunk]]:
    """Record a conversation; return its events (from the store) and the streamed chunks."""
    agents = build_agents(model_a, model_b, 0.5)
    conversation = Conversation.start(agents.specs["a"], agents.specs["b"], "Hello there.", turns)
    bus = EventBus()
    chunks: list[MessageChunk] = []
    bus.subscribe(MessageChunk, chunks.append)
    url = f"sqlite:///{str(tmp_path / 'events.db').lstrip('/')}"
    with open_store(url) as log:
        pacing = conductor.pop("pacing", agents.pacing)
        asyncio.run(Conductor(log, bus, agents.providers, pacing).run(conversation))
        return [recorded.event for recorded in log.read()], chunks


def of(events: list[Any], kind: type) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


def test_a_500_is_retried_and_each_failed_attempt_recorded(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    write_user_config(FAST_RETRIES)
    provider_env.inject("anthropic", Fault("status", 500), Fault("status", 502))
    events, _ = run_chat(tmp_path, "claude", "gpt-4o")
    errors = of(events, Conversation.ProviderErrored)
    assert [(e.agent, e.status, e.retryable, e.attempt) for e in errors] == [
        ("a", 500, True, 1),
        ("a", 502, True, 2),
    ]
    completed = of(events, Conversation.MessageCompleted)
    assert [m.agent for m in completed] == ["a", "b"]
    assert completed[0].model == "anthropic:claude-sonnet-4-5"
    assert of(events, Conversation.ConversationEnded)[0].reason == "max_turns"
    assert len(provider_env.requests("anthropic")) == 3


def test_a_429_waits_at_least_retry_after_and_records_rate_limited(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    write_user_config(FAST_RETRIES)
    provider_env.inject("openai", Fault("status", 429, retry_after=0.2))
    events, _ = run_chat(tmp_path, "gpt-4o", "gemini")
    (error,) = of(events, Conversation.ProviderErrored)
    assert (error.status, error.retryable, error.attempt) == (429, True, 1)
    (waited,) = of(events, Conversation.RateLimited)
    assert (waited.agent, waited.provider, waited.reason) == ("a", "openai", "provider_429")
    assert waited.wait_seconds >= 0.2
    # The wait is recorded after the error and before the reply that followed it.
    order = [type(e).__name__ for e in events]
    assert order.index("ProviderErrored") < order.index("RateLimited")
    assert order.index("RateLimited") < order.index("MessageCompleted")


@pytest.mark.parametrize("kind", ["cut", "abort"])
def test_a_cut_off_reply_is_never_recorded_as_completed(
    provider_env: FakeProviderServer, tmp_path: Path, kind: str
) -> None:
    write_user_config(FAST_RETRIES)
    provider_env.inject("gemini", Fault(kind))  # type: ignore[arg-type]
    events, chunks = run_chat(tmp_path, "gemini", "ollama:qwen2.5:0.5b")
    (error,) = of(events, Conversation.ProviderErrored)
    assert error.retryable and error.attempt == 1 and error.agent == "a"
    first = of(events, Conversation.MessageCompleted)[0]
    # The partial stream was shown live, then the full retried reply was recorded alone.
    assert first.text == reply_text("gemini", 2, "Hello there.")  # the server's 2nd reply
    streamed = "".join(c.text for c in chunks if c.agent == "a")
    assert streamed.endswith(first.text)
    cut_part = streamed[: -len(first.text)]
    assert cut_part and reply_text("gemini", 1, "Hello there.").startswith(cut_part)
    assert len(cut_part) < len(reply_text("gemini", 1, "Hello there."))
    assert len(of(events, Conversation.MessageCompleted)) == 2


def test_after_the_last_attempt_the_conversation_ends_with_error(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    write_user_config(FAST_RETRIES)
    provider_env.inject("ollama", *[Fault("status", 503)] * 3)
    events, _ = run_chat(tmp_path, "ollama:qwen2.5:0.5b", "claude", turns=3)
    errors = of(events, Conversation.ProviderErrored)
    assert [(e.attempt, e.retryable) for e in errors] == [(1, True), (2, True), (3, True)]
    assert of(events, Conversation.MessageCompleted) == []
    (ended,) = of(events, Conversation.ConversationEnded)
    assert ended.reason == "error"
    assert isinstance(events[-1], Conversation.ConversationEnded)


def test_a_client_error_is_not_retried(provider_env: FakeProviderServer, tmp_path: Path) -> None:
    write_user_config(FAST_RETRIES)
    provider_env.inject("anthropic", Fault("status", 400))
    events, _ = run_chat(tmp_path, "gpt-4o", "claude")
    (error,) = of(events, Conversation.ProviderErrored)
    assert (error.agent, error.status, error.retryable, error.attempt) == ("b", 400, False, 1)
    assert of(events, Conversation.ConversationEnded)[0].reason == "error"
    assert [m.agent for m in of(events, Conversation.MessageCompleted)] == ["a"]


def test_client_side_request_limit_makes_the_conductor_wait_and_record_it(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    # One request per 0.3 s window for the shared openai limiter; both agents use it.
    limiter = RateLimiter(requests_per_minute=1, window_seconds=0.3)
    pacing = {"a": Pacing(limiter=limiter), "b": Pacing(limiter=limiter)}
    events, _ = run_chat(tmp_path, "gpt-4o", "gpt-4o-mini", turns=2, pacing=pacing)
    waits = of(events, Conversation.RateLimited)
    assert len(waits) == 3  # every request after the first waited for the window
    assert {w.reason for w in waits} == {"requests_per_minute"}
    assert all(0 < w.wait_seconds <= 0.3 for w in waits)
    assert len(of(events, Conversation.MessageCompleted)) == 4


def test_backoff_grows_exponentially_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=5.0, rng=random.Random(7))
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (5, 5.0)):
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= d < ceiling for d in delays)
        assert len(set(delays)) > 100  # jittered, not a fixed schedule
    assert policy.delay(1, retry_after=9.0) == 9.0
    retryable = ProviderError("x", status=500, retryable=True)
    assert policy.should_retry(retryable, 4) and not policy.should_retry(retryable, 5)
    assert not policy.should_retry(ProviderError("x", status=400), 1)


def test_token_limit_waits_until_enough_tokens_leave_the_window() -> None:
    now = [0.0]
    limiter = RateLimiter(tokens_per_minute=1000, clock=lambda: now[0])
    assert limiter.wait_before(600) is None
    limiter.record(600)
    now[0] = 10.0
    limiter.record(300)
    wait = limiter.wait_before(200)
    assert wait is not None and wait.reason == "tokens_per_minute"
    assert wait.seconds == pytest.approx(50.0)  # the 600 recorded at t=0 expire at t=60
    now[0] = 60.0
    assert limiter.wait_before(200) is None
    assert RateLimiter().wait_before(10**9) is None  # no limits configured


@pytest.mark.parametrize(
    ("protocol", "model"),
    [("openai", "gpt-4o"), ("anthropic", "claude"), ("gemini", "gemini")],
)
def test_a_prompt_too_long_for_the_model_ends_with_context_limit(
    provider_env: FakeProviderServer, tmp_path: Path, protocol: str, model: str
) -> None:
    """Each API's own "too long" 400 ends the conversation context_limit, not error, and
    is not retried: the history only grows."""
    write_user_config(FAST_RETRIES)
    provider_env.inject(protocol, Fault("too_long"))  # type: ignore[arg-type]
    events, _ = run_chat(tmp_path, "local:test", model, turns=2)
    (error,) = of(events, Conversation.ProviderErrored)
    assert (error.agent, error.status, error.retryable) == ("b", 400, False)
    assert of(events, Conversation.ConversationEnded)[0].reason == "context_limit"
    assert [m.agent for m in of(events, Conversation.MessageCompleted)] == ["a"]
