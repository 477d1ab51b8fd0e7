"""What each API reports beyond text, read by the real SDKs from the protocol server:
prompt-cache hits, thinking, gateway costs, missing usage; and the end reasons of an
empty reply and a stalled stream."""

from __future__ import annotations

import asyncio

import pytest

from eventlog import open_store
from pidgin.bus import EventBus
from pidgin.conductor import Conductor
from pidgin.domain import AgentSpec, Conversation
from pidgin.domain.pricing import cost_in_dollars
from pidgin.providers import ProviderError, create_provider, resolve_model
from pidgin.providers.pacing import Pacing
from pidgin.providers.retry import RetryPolicy
from tests.providers.conftest import write_user_config
from tests.providers.fake_server import FakeProviderServer, Fault
from tests.providers.test_protocols import HISTORY, collect


@pytest.mark.parametrize(
    ("model", "protocol", "writes"),
    [
        ("claude", "anthropic", True),
        ("gpt-4o", "openai", False),
        ("grok", "openai", False),
        ("gemini", "gemini", False),
    ],
)
def test_cache_hits_are_read_in_each_apis_own_fields(
    provider_env: FakeProviderServer, model: str, protocol: str, writes: bool
) -> None:
    provider_env.state.cache_read = 7
    provider_env.state.cache_write = 3 if writes else 0
    provider = create_provider(resolve_model(model))
    collect(provider)
    usage = provider.last_usage
    assert usage is not None
    words = sum(len(m.content.split()) for m in HISTORY)
    # tokens_in is every input token; the cached ones are a part of it.
    assert usage.tokens_in == words
    assert usage.cache_read == 7
    assert (usage.cache_write or 0) == (3 if writes else 0)


def test_no_cache_sends_no_breakpoints(provider_env: FakeProviderServer) -> None:
    collect(create_provider(resolve_model("claude"), prompt_cache=False))
    (request,) = provider_env.requests("anthropic")
    assert request.body["system"] == "You are terse and curious."
    assert "cache_control" not in str(request.body)


def test_cost_with_cache_tokens_worked_by_hand() -> None:
    # 10,000 input tokens: 6,000 read from the cache at $0.30/M, 1,000 written at $3.75/M,
    # 3,000 uncached at $3/M; 500 output tokens at $15/M.
    # 3,000 × 3 + 6,000 × 0.3 + 1,000 × 3.75 + 500 × 15 = 9,000 + 1,800 + 3,750 + 7,500
    # = 22,050 → $0.02205.
    cost = cost_in_dollars(
        10_000,
        500,
        3.0,
        15.0,
        cache_read=6_000,
        cache_write=1_000,
        cache_read_price_per_million=0.3,
        cache_write_price_per_million=3.75,
    )
    assert cost == 0.02205
    # Without cache prices the cached tokens cost the input price (as before caching).
    assert cost_in_dollars(10_000, 500, 3.0, 15.0, cache_read=6_000) == 0.0375


@pytest.mark.parametrize(
    ("model", "protocol"),
    [("claude", "anthropic"), ("gemini", "gemini"), ("openai-compatible:qwen", "openai")],
)
def test_thinking_streamed_in_each_apis_format_is_recorded_not_shown(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch, model: str, protocol: str
) -> None:
    monkeypatch.setenv("OPENAI_COMPATIBLE_BASE_URL", f"{provider_env.url}/v1")
    provider_env.state.thinking = "Let me weigh pidgins against creoles first."
    provider = create_provider(resolve_model(model), thinking="low")
    text = "".join(collect(provider, temperature=None))
    assert "weigh" not in text
    usage = provider.last_usage
    assert usage is not None and usage.thinking is not None
    assert "weigh pidgins against creoles" in usage.thinking
    (request,) = provider_env.requests(protocol)
    if protocol == "anthropic":
        assert request.body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    elif protocol == "gemini":
        config = request.body["generationConfig"]["thinkingConfig"]
        # The SDK sends this one in snake case, which the API accepts as well.
        assert config == {"include_thoughts": True, "thinking_budget": 2048}
    else:
        assert request.body["reasoning_effort"] == "low"
        assert usage.thinking_tokens == 7


def test_a_model_that_rejects_temperature_is_sent_none(provider_env: FakeProviderServer) -> None:
    provider_env.state.reject_temperature = True
    # A model the registry does not know to refuse it: its 400 becomes a retryable
    # failure and the next attempt is sent no temperature.
    unknown = create_provider(resolve_model("openai:o-unknown"))

    async def two_attempts() -> tuple[ProviderError, str]:
        try:
            async for _ in unknown.stream_response(HISTORY, 0.5):
                pass
        except ProviderError as failure:
            first = failure
        return first, "".join([c async for c in unknown.stream_response(HISTORY, 0.5)])

    error, text = asyncio.run(two_attempts())
    assert error.status == 400 and error.retryable
    assert "next attempt is sent no temperature" in str(error)
    assert text
    assert "temperature" not in provider_env.requests("openai")[-1].body
    provider = create_provider(resolve_model("gpt-5"))  # The registry: no temperature.
    assert "".join(collect(provider, temperature=0.5))
    assert "temperature" not in provider_env.requests("openai")[-1].body


def test_build_agents_tells_once_that_temperature_was_left_out(
    provider_env: FakeProviderServer,
) -> None:
    from pidgin.agents_setup import build_agents

    agents = build_agents("gpt-5", "gpt-4o", 0.7)
    assert agents.specs["a"].temperature is None
    assert agents.specs["b"].temperature == 0.7
    assert agents.notes == ["openai:gpt-5 takes no temperature: agent A gets none"]


def test_openrouter_reports_the_model_used_and_its_cost(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-SENTINEL")
    monkeypatch.setenv("OPENROUTER_BASE_URL", f"{provider_env.url}/v1")
    provider_env.state.cost = 0.00042
    provider_env.state.served_model = "anthropic/claude-sonnet-4.5-20250929"
    provider_env.state.cache_read = 5
    provider = create_provider(resolve_model("openrouter:anthropic/claude-sonnet-4.5"))
    collect(provider)
    usage = provider.last_usage
    assert usage is not None
    assert usage.model == "openrouter:anthropic/claude-sonnet-4.5-20250929"
    assert usage.reported_cost == 0.00042 and usage.cache_read == 5
    (request,) = provider_env.requests("openai")
    assert request.body["usage"] == {"include": True}
    assert request.body["model"] == "anthropic/claude-sonnet-4.5"


def test_a_server_without_usage_gives_its_tokenizers_count_or_unknown(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_COMPATIBLE_BASE_URL", f"{provider_env.url}/v1")
    provider_env.state.no_usage = True
    provider = create_provider(resolve_model("openai-compatible:qwen"))
    text = "".join(collect(provider))
    usage = provider.last_usage
    assert usage is not None and (usage.tokens_in, usage.tokens_out) == (None, None)
    provider_env.state.tokenizer = True  # llama_cpp.server's /extras/tokenize
    provider = create_provider(resolve_model("openai-compatible:qwen"))
    collect(provider)
    usage = provider.last_usage
    assert usage is not None
    assert usage.tokens_out == len(text.split())
    assert usage.tokens_in == sum(len(m.content.split()) for m in HISTORY)


def _run(provider_env: FakeProviderServer, tmp_path, model: str, attempts: int) -> Conversation:  # type: ignore[no-untyped-def]
    info = resolve_model(model)
    spec = AgentSpec(model=info.name, provider=info.provider, display_name=info.display_name)
    conversation = Conversation.start(spec, spec, "Hello", 2)
    pacing = Pacing(retry=RetryPolicy(max_attempts=attempts, base_delay=0.0, max_delay=0.0))
    provider = create_provider(info)
    with open_store(f"sqlite:///{str(tmp_path / 'e.db').lstrip('/')}") as log:
        conductor = Conductor(
            log, EventBus(), {"a": provider, "b": provider}, {"a": pacing, "b": pacing}
        )
        asyncio.run(conductor.run(conversation))
        return log.load(conversation.id)


def test_an_empty_reply_ends_the_conversation_empty_response(
    provider_env: FakeProviderServer, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    provider_env.script("", "  ")
    ended = _run(provider_env, tmp_path, "gpt-4o", attempts=2)
    assert ended.end_reason == "empty_response"
    assert ended.messages == []  # Nothing empty was handed to the other agent.
    assert len(provider_env.requests("openai")) == 2  # Retried once, then gave up.


def test_a_stalled_stream_past_the_timeout_ends_the_conversation_timeout(
    provider_env: FakeProviderServer, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    write_user_config("[providers.anthropic]\ntimeout = 0.5\n")
    provider_env.inject("anthropic", Fault("stall", delay=3.0), Fault("stall", delay=3.0))
    ended = _run(provider_env, tmp_path, "claude", attempts=2)
    assert ended.end_reason == "timeout"
    assert ended.messages == []


def test_a_reply_limit_past_the_models_own_is_capped_with_a_note(
    provider_env: FakeProviderServer,
) -> None:
    from pidgin.agents_setup import build_agents

    agents = build_agents("haiku", "gpt-4o", None, max_tokens={"a": 100_000, "b": 100_000})
    assert agents.specs["a"].max_tokens == 64_000
    assert agents.specs["b"].max_tokens == 16_384
    assert agents.notes[0] == (
        "anthropic:claude-haiku-4-5 writes at most 64,000 tokens: agent A gets that limit"
    )


def test_ollama_thinking_is_recorded_and_missing_counts_are_unknown(
    provider_env: FakeProviderServer,
) -> None:
    provider_env.state.thinking = "Pidgins are born of trade."
    provider_env.state.no_usage = True  # Ollama leaves counts out (e.g. a cached prompt)
    provider = create_provider(resolve_model("ollama:qwen2.5:0.5b"), thinking="low")
    text = "".join(collect(provider))
    usage = provider.last_usage
    assert usage is not None and "born of trade" not in text
    assert usage.thinking == "Pidgins are born of trade."
    assert (usage.tokens_in, usage.tokens_out) == (None, None)
    assert provider_env.requests("ollama")[-1].body["think"] is True


def test_anthropic_thinking_is_recorded_without_the_temperature_it_refuses(
    provider_env: FakeProviderServer,
) -> None:
    from pidgin.agents_setup import build_agents

    agents = build_agents("claude", "gpt-4o", 0.7, thinking={"a": "medium", "b": None})
    assert (agents.specs["a"].temperature, agents.specs["a"].thinking) == (None, "medium")
    assert agents.specs["a"].to_dict()["thinking"] == "medium"
    assert "thinking" not in agents.specs["b"].to_dict()  # written only when set
    assert agents.notes == ["Anthropic thinking takes no temperature: agent A gets none"]
