"""The model registry (packaged + user file), costs from per-million prices, and the
redacting log setup."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import structlog

from pidgin.domain import AgentSpec
from pidgin.domain.pricing import cost_in_dollars, format_dollars
from pidgin.errors import PidginError
from pidgin.logging_setup import configure_logging
from pidgin.providers import create_provider
from pidgin.providers.keys import MissingKeyError
from pidgin.providers.registry import UnknownModelError, provider_settings, resolve_model
from tests.providers.conftest import SENTINEL_KEYS, write_user_config
from tests.providers.fake_server import FakeProviderServer


def test_cost_is_tokens_times_price_per_million() -> None:
    # By hand: 1,000 input tokens at $3 per million = 1,000 × 3 / 1,000,000 = $0.003.
    assert cost_in_dollars(1_000, 0, 3.0, 15.0) == 0.003
    # 2,000 output tokens at $15 per million = $0.03; together $0.033.
    assert cost_in_dollars(1_000, 2_000, 3.0, 15.0) == 0.033
    assert format_dollars(0.003) == "$0.003000"
    assert cost_in_dollars(1_000, 0, None, 15.0) is None
    assert format_dollars(None) == "n/a"


def test_agents_recorded_before_prices_existed_still_decode() -> None:
    old = AgentSpec.from_dict({"model": "local:test", "provider": "local", "display_name": "T"})
    assert old.input_price_per_million is None and old.output_price_per_million is None


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("claude", "anthropic:claude-sonnet-4-5"),
        ("GPT-4o", "openai:gpt-4o"),
        ("gemini", "google:gemini-2.5-flash"),
        ("grok", "xai:grok-4"),
        ("smollm2", "local:smollm2"),
        ("ollama:qwen2.5:0.5b", "ollama:qwen2.5:0.5b"),
        ("ollama:mistral:7b", "ollama:mistral:7b"),
        ("openai-compatible:Qwen/Qwen2.5-7B", "openai-compatible:Qwen/Qwen2.5-7B"),
    ],
)
def test_names_aliases_and_open_providers_resolve(
    typed: str, canonical: str, provider_env: FakeProviderServer
) -> None:
    assert resolve_model(typed).name == canonical


def test_unregistered_models_of_paid_providers_have_unknown_prices(
    provider_env: FakeProviderServer,
) -> None:
    info = resolve_model("anthropic:claude-next")
    assert info.input_price_per_million is None
    assert resolve_model("ollama:anything").input_price_per_million == 0.0


def test_unknown_model_lists_what_is_available(provider_env: FakeProviderServer) -> None:
    with pytest.raises(UnknownModelError) as caught:
        resolve_model("gpt-17")
    message = str(caught.value)
    assert "unknown model 'gpt-17'" in message
    assert "local:test" in message and "openai:gpt-4o" in message


def test_user_file_adds_models_and_overrides_provider_settings(
    provider_env: FakeProviderServer,
) -> None:
    write_user_config(
        '[models."openai-compatible:big"]\nprovider = "openai-compatible"\nmodel = "big"\n'
        'aliases = ["Big"]\nbase_url = "http://127.0.0.1:1/v1"\n'
        "input_price_per_million = 1.5\noutput_price_per_million = 2.0\n\n"
        "[providers.anthropic]\nrequests_per_minute = 7\nmax_attempts = 9\n"
    )
    info = resolve_model("big")
    assert (info.name, info.base_url, info.input_price_per_million) == (
        "openai-compatible:big",
        "http://127.0.0.1:1/v1",
        1.5,
    )
    settings = provider_settings("anthropic")
    assert (settings.requests_per_minute, settings.max_attempts) == (7, 9)
    assert settings.key_env == ("ANTHROPIC_API_KEY",)  # untouched fields keep the default
    assert resolve_model("claude").input_price_per_million == 3.0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[models.x\n", "not valid"),
        ('[models."a:b"]\nprovider = "nope"\nmodel = "b"\n', "unknown provider 'nope'"),
        ("[providers.anthropic]\nrequests_per_minit = 3\n", "requests_per_minit"),
    ],
)
def test_a_broken_user_file_is_a_one_line_error(
    provider_env: FakeProviderServer, text: str, fragment: str
) -> None:
    path = write_user_config(text)
    with pytest.raises(PidginError) as caught:
        resolve_model("claude")
    message = str(caught.value)
    assert fragment in message and str(path) in message and "\n" not in message


def test_missing_key_error_names_the_variable(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(MissingKeyError, match=r"set ANTHROPIC_API_KEY$"):
        create_provider(resolve_model("claude"))


def test_logs_hide_keys_in_fields_messages_and_third_party_records(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    path = tmp_path / "log.jsonl"
    key = SENTINEL_KEYS["OPENAI_API_KEY"]
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        configure_logging("debug", str(path))
        structlog.get_logger("pidgin.test").info(
            "calling",
            api_key=key,
            headers={"Authorization": f"Bearer {key}"},
            note=f"k={key}",
            tokens_in=12,
        )
        logging.getLogger("some.sdk").debug("sending headers %s", {"x-api-key": key})
    finally:
        for handler in root.handlers:
            if getattr(handler, "_pidgin", False):
                handler.close()
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
    text = path.read_text()
    assert key not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["api_key"] == "[redacted]" and first["headers"]["Authorization"] == "[redacted]"
    assert first["note"] == "k=[redacted]" and first["tokens_in"] == 12
    assert "[redacted]" in second["event"] and second["logger"] == "some.sdk"
