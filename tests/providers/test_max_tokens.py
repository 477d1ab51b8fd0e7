"""``--max-tokens`` and per-agent settings: each provider's real SDK or client sends the
limit in its API's own field, the log records it with the agent, and without it
requests and events are as before."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pidgin.domain import Conversation
from pidgin.domain.messages import ChatMessage
from pidgin.providers import create_provider, resolve_model
from tests.helpers import recorded_events
from tests.providers.conftest import run_cli
from tests.providers.fake_server import FakeProviderServer

HISTORY = [ChatMessage("system", "Be brief."), ChatMessage("user", "Why do pidgins form?")]

# (model, protocol, where that wire format carries the reply limit)
LIMIT_IN_REQUEST: list[tuple[str, str, Any]] = [
    ("claude", "anthropic", lambda body: body.get("max_tokens")),
    ("gpt-4o", "openai", lambda body: body.get("max_completion_tokens")),
    ("grok", "openai", lambda body: body.get("max_tokens")),
    ("gemini", "gemini", lambda body: body.get("generationConfig", {}).get("maxOutputTokens")),
    ("ollama:qwen2.5:0.5b", "ollama", lambda body: body.get("options", {}).get("num_predict")),
]


def _stream(model: str, max_tokens: int | None) -> str:
    provider = create_provider(resolve_model(model))

    async def run() -> str:
        return "".join([c async for c in provider.stream_response(HISTORY, None, None, max_tokens)])

    return asyncio.run(run())


@pytest.mark.parametrize(("model", "protocol", "limit"), LIMIT_IN_REQUEST)
def test_max_tokens_reaches_each_api_in_its_own_field(
    provider_env: FakeProviderServer, model: str, protocol: str, limit: Any
) -> None:
    assert _stream(model, 37)
    assert _stream(model, None)
    limited, default = (limit(r.body) for r in provider_env.requests(protocol))
    assert limited == 37
    # Without a limit: the provider's own, except Anthropic's API, which needs one: 8,192
    # capped at the model's limit (Claude Sonnet 4.5 writes up to 64,000).
    assert default == (8192 if protocol == "anthropic" else None)
    if protocol == "openai":
        bodies = [r.body for r in provider_env.requests(protocol)]
        assert {"max_tokens", "max_completion_tokens"} & bodies[1].keys() == set()


def _started(directory: Path) -> Conversation.ConversationStarted:
    (started,) = [
        r.event
        for r in recorded_events(directory)
        if isinstance(r.event, Conversation.ConversationStarted)
    ]
    return started


def test_chat_sends_and_records_each_agents_limit_and_temperature(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    result = run_cli(
        "chat", "-a", "claude", "-b", "openai-compatible:my-model", "-t", "1", "-q",
        "--base-url", f"{provider_env.url}/v1",
        "--max-tokens", "30", "--max-tokens-a", "20",
        "--temperature", "0.5", "--temperature-b", "1.1",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (to_a,) = provider_env.requests("anthropic")
    (to_b,) = provider_env.requests("openai")
    assert to_a.body["max_tokens"] == 20 and to_b.body["max_tokens"] == 30
    assert to_a.body["temperature"] == 0.5 and to_b.body["temperature"] == 1.1
    started = _started(tmp_path)
    assert (started.agent_a["max_tokens"], started.agent_b["max_tokens"]) == (20, 30)
    assert (started.agent_a["temperature"], started.agent_b["temperature"]) == (0.5, 1.1)
    (transcript,) = (tmp_path / "pidgin_output" / "transcripts").glob("*.md")
    assert "| Max tokens | 20 | 30 |" in transcript.read_text(encoding="utf-8")
    assert run_cli("project", "-q", cwd=tmp_path).returncode == 0
    with duckdb.connect(str(tmp_path / "pidgin_output" / "pidgin.duckdb")) as connection:
        limits = connection.execute(
            "SELECT agent_a_max_tokens, agent_b_max_tokens FROM conversations"
        ).fetchall()
    assert limits == [(20, 30)]


def test_without_a_limit_the_agents_are_recorded_as_before(tmp_path: Path) -> None:
    assert run_cli("chat", "-t", "1", "-q", cwd=tmp_path).returncode == 0
    started = _started(tmp_path)
    assert "max_tokens" not in started.agent_a and "max_tokens" not in started.agent_b
    (transcript,) = (tmp_path / "pidgin_output" / "transcripts").glob("*.json")
    assert "max_tokens" not in json.loads(transcript.read_text(encoding="utf-8"))["agents"]["a"]


def test_local_test_caps_its_replies_in_words(tmp_path: Path) -> None:
    assert run_cli("chat", "-t", "2", "-q", "--max-tokens-b", "4", cwd=tmp_path).returncode == 0
    messages = [
        r.event
        for r in recorded_events(tmp_path)
        if isinstance(r.event, Conversation.MessageCompleted)
    ]
    b = [m for m in messages if m.agent == "b"]
    a = [m for m in messages if m.agent == "a"]
    assert all(m.tokens_out <= 4 and m.stop_reason == "max_tokens" for m in b)
    assert all(m.tokens_out > 4 and m.stop_reason == "end_turn" for m in a)


def test_experiment_start_takes_every_chat_setting_and_the_spec_file_its_own(
    tmp_path: Path,
) -> None:
    (tmp_path / "spec.yaml").write_text(
        "agents: {a: {max_tokens: 9}, b: {temperature: 0.3}}\nturns: 1\n", encoding="utf-8"
    )
    result = run_cli(
        "experiment", "start", "spec.yaml", "--foreground", "-q",
        "--temperature-a", "0.2", "--max-tokens-b", "7",
        "--convergence-threshold", "0.5", "--convergence-action", "notify",
        "--convergence-profile", "strict",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    started = _started(tmp_path)
    assert (started.agent_a["max_tokens"], started.agent_b["max_tokens"]) == (9, 7)
    assert (started.agent_a["temperature"], started.agent_b["temperature"]) == (0.2, 0.3)
    (policy,) = [
        r.event
        for r in recorded_events(tmp_path)
        if isinstance(r.event, Conversation.ConvergencePolicyChosen)
    ]
    assert (policy.profile, policy.action) == ("strict", "notify")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--convergence-profile", "nope"), "--convergence-profile"),
        (("--convergence-action", "pause"), "--convergence-action"),
        (("--max-tokens", "0"), "--max-tokens"),
    ],
)
def test_bad_settings_are_one_line_errors(
    tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    result = run_cli("experiment", "start", "--foreground", "-q", *options, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "pidgin_output" / "events.db").exists()
