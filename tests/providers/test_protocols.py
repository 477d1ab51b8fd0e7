"""Each provider, through its real SDK or client, against the local protocol server."""

from __future__ import annotations

import asyncio

import pytest

from pidgin.domain.messages import ChatMessage
from pidgin.providers import Provider, ProviderError, create_provider, resolve_model
from pidgin.providers.base import StreamCutOff
from tests.providers.conftest import SENTINEL_KEYS, write_user_config
from tests.providers.fake_server import FakeProviderServer, Fault, chunks_of, reply_text

HISTORY = [
    ChatMessage("system", "You are terse and curious."),
    ChatMessage("user", "What makes a pidgin language different from a creole?"),
    ChatMessage("assistant", "A pidgin has no native speakers."),
    ChatMessage("user", "And how does a creole start?"),
]

# (model name a user types, the server protocol it speaks)
MODELS = [
    ("claude", "anthropic"),
    ("gpt-4o", "openai"),
    ("grok", "openai"),
    ("gemini", "gemini"),
    ("ollama:qwen2.5:0.5b", "ollama"),
]


def collect(
    provider: Provider, temperature: float | None = 0.3, seed: int | None = None
) -> list[str]:
    async def run() -> list[str]:
        return [chunk async for chunk in provider.stream_response(HISTORY, temperature, seed)]

    return asyncio.run(run())


@pytest.mark.parametrize(("model", "protocol"), MODELS)
def test_streams_the_whole_reply_with_usage(
    provider_env: FakeProviderServer, model: str, protocol: str
) -> None:
    provider = create_provider(resolve_model(model))
    chunks = collect(provider)
    expected = reply_text(protocol, 1, "And how does a creole start?")
    assert "".join(chunks) == expected
    assert len(chunks) == len(chunks_of(expected)) > 1  # really streamed, chunk by chunk
    usage = provider.last_usage
    assert usage is not None
    assert usage.tokens_out == len(expected.split())
    assert usage.tokens_in > 0
    assert usage.stop_reason is not None
    assert usage.model.startswith(f"{resolve_model(model).provider}:")


def test_anthropic_gets_the_system_prompt_in_its_own_field(
    provider_env: FakeProviderServer,
) -> None:
    collect(create_provider(resolve_model("claude")), temperature=0.3)
    (request,) = provider_env.requests("anthropic")
    # The system prompt and the latest message are the cache breakpoints (on by default).
    mark = {"type": "ephemeral"}
    assert request.body["system"] == [
        {"type": "text", "text": "You are terse and curious.", "cache_control": mark}
    ]
    assert all(m["role"] != "system" for m in request.body["messages"])
    last = request.body["messages"][-1]["content"]
    assert last == [{"type": "text", "text": "And how does a creole start?", "cache_control": mark}]
    assert all(isinstance(m["content"], str) for m in request.body["messages"][:-1])
    assert request.body["temperature"] == 0.3
    assert SENTINEL_KEYS["ANTHROPIC_API_KEY"] in str(request.headers)


def test_gemini_gets_the_system_prompt_as_system_instruction(
    provider_env: FakeProviderServer,
) -> None:
    collect(create_provider(resolve_model("gemini")), temperature=0.7)
    (request,) = provider_env.requests("gemini")
    system = request.body["systemInstruction"]["parts"][0]["text"]
    assert system == "You are terse and curious."
    roles = [c["role"] for c in request.body["contents"]]
    assert roles == ["user", "model", "user"]
    assert request.body["generationConfig"]["temperature"] == 0.7
    assert request.headers.get("x-goog-api-key") == SENTINEL_KEYS["GOOGLE_API_KEY"]


def test_gemini_api_key_is_an_accepted_alternative(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-alternative-key")
    collect(create_provider(resolve_model("gemini")))
    (request,) = provider_env.requests("gemini")
    assert request.headers.get("x-goog-api-key") == "gemini-alternative-key"


@pytest.mark.parametrize(
    ("model", "header"), [("gpt-4o", "OPENAI_API_KEY"), ("grok-3", "XAI_API_KEY")]
)
def test_openai_and_xai_send_their_own_keys(
    provider_env: FakeProviderServer, model: str, header: str
) -> None:
    collect(create_provider(resolve_model(model)), temperature=1.5)
    (request,) = provider_env.requests("openai")
    assert request.headers["Authorization"] == f"Bearer {SENTINEL_KEYS[header]}"
    assert request.body["messages"][0] == {"role": "system", "content": HISTORY[0].content}
    assert request.body["temperature"] == 1.5


def test_ollama_sends_temperature_as_an_option(provider_env: FakeProviderServer) -> None:
    collect(create_provider(resolve_model("ollama:qwen2.5:0.5b")), temperature=0.0)
    (request,) = provider_env.requests("ollama")
    assert request.body["options"] == {"temperature": 0.0}
    assert request.body["stream"] is True


@pytest.mark.parametrize(("model", "protocol"), MODELS)
@pytest.mark.parametrize(
    ("fault", "status", "retryable"),
    [
        (Fault("status", 429, retry_after=7), 429, True),
        (Fault("status", 500), 500, True),
        (Fault("status", 503), 503, True),
        (Fault("status", 400), 400, False),
        (Fault("status", 401), 401, False),
    ],
)
def test_http_errors_say_whether_a_retry_may_help(
    provider_env: FakeProviderServer,
    model: str,
    protocol: str,
    fault: Fault,
    status: int,
    retryable: bool,
) -> None:
    provider_env.inject(protocol, fault)  # type: ignore[arg-type]
    with pytest.raises(ProviderError) as caught:
        collect(create_provider(resolve_model(model)))
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert caught.value.retry_after == fault.retry_after
    assert provider_env.requests(protocol)  # the request reached the server once
    assert len(provider_env.requests(protocol)) == 1  # the SDK did not retry on its own


@pytest.mark.parametrize(("model", "protocol"), MODELS)
@pytest.mark.parametrize("kind", ["cut", "abort"])
def test_a_stream_that_stops_mid_reply_is_a_retryable_error(
    provider_env: FakeProviderServer, model: str, protocol: str, kind: str
) -> None:
    provider_env.inject(protocol, Fault(kind))  # type: ignore[arg-type]
    provider = create_provider(resolve_model(model))
    with pytest.raises(ProviderError) as caught:
        collect(provider)
    assert caught.value.retryable
    if kind == "cut":
        assert isinstance(caught.value, StreamCutOff)
    assert provider.last_usage is None


@pytest.mark.parametrize(("model", "protocol"), MODELS)
def test_a_slow_provider_times_out_as_a_retryable_error(
    provider_env: FakeProviderServer, model: str, protocol: str
) -> None:
    write_user_config("[providers.{provider}]\ntimeout = 0.3")
    provider_env.inject(protocol, Fault("slow", delay=1.5))  # type: ignore[arg-type]
    with pytest.raises(ProviderError) as caught:
        collect(create_provider(resolve_model(model)))
    assert caught.value.retryable
    assert "timed out" in str(caught.value)


# Where each wire format carries the sampling seed (the Anthropic Messages API has none).
SEED_IN_REQUEST = {
    "openai": lambda body: body.get("seed"),
    "ollama": lambda body: body.get("options", {}).get("seed"),
    "gemini": lambda body: body.get("generationConfig", {}).get("seed"),
    "anthropic": lambda body: body.get("seed"),
}


@pytest.mark.parametrize(("model", "protocol"), MODELS)
def test_the_conversation_seed_reaches_the_api_that_takes_one(
    provider_env: FakeProviderServer, model: str, protocol: str
) -> None:
    collect(create_provider(resolve_model(model)), seed=41)
    collect(create_provider(resolve_model(model)), seed=None)
    seeded, unseeded = (SEED_IN_REQUEST[protocol](r.body) for r in provider_env.requests(protocol))
    assert seeded == (None if protocol == "anthropic" else 41)
    assert unseeded is None
