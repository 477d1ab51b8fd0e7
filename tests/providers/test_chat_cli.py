"""``pidgin chat`` between real providers (real SDKs, local protocol server, separate
process), ``pidgin models``, missing keys, Ollama readiness, and the key-leak scan."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from pidgin.agents_setup import providers_for
from pidgin.domain import AgentSpec, ChatMessage
from pidgin.providers import shareable_base_url
from tests.helpers import recorded_events
from tests.providers.conftest import SENTINEL_KEYS, run_cli, write_user_config
from tests.providers.fake_server import FakeProviderServer, Fault

HELLO = [ChatMessage("user", "Hello again.")]
FAST_RETRIES = "[providers.{provider}]\nmax_attempts = 3\nretry_base_delay = 0.01\n"


def transcript(directory: Path, suffix: str) -> str:
    (path,) = (directory / "pidgin_output" / "transcripts").glob(f"*{suffix}")
    return path.read_text(encoding="utf-8")


def event_names(directory: Path) -> list[str]:
    return [type(r.event).__name__ for r in recorded_events(directory)]


def test_chat_between_anthropic_and_openai_records_tokens_and_cost(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    result = run_cli("chat", "-a", "claude", "-b", "gpt-4o", "-t", "2", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(transcript(tmp_path, ".json"))
    assert document["end_reason"] == "max_turns"
    assert [m["model"] for m in document["messages"]] == [
        "anthropic:claude-sonnet-4-5",
        "openai:gpt-4o",
    ] * 2
    assert all(m["tokens_in"] > 0 and m["tokens_out"] > 0 for m in document["messages"])
    assert all(m["time_to_first_token"] is not None for m in document["messages"])
    # Prices were recorded with the agents; the cost is computed from them by hand here.
    a, b = document["agents"]["a"], document["agents"]["b"]
    assert (a["input_price_per_million"], a["output_price_per_million"]) == (3.0, 15.0)
    assert (b["input_price_per_million"], b["output_price_per_million"]) == (2.5, 10.0)
    expected_a = (a["tokens_in"] * 3.0 + a["tokens_out"] * 15.0) / 1_000_000
    expected_b = (b["tokens_in"] * 2.5 + b["tokens_out"] * 10.0) / 1_000_000
    assert a["cost_usd"] == pytest.approx(expected_a)
    assert document["cost_usd"] == pytest.approx(expected_a + expected_b)
    markdown = transcript(tmp_path, ".md")
    assert f"- **Cost:** ${expected_a + expected_b:,.6f}" in markdown
    listing = run_cli("list", cwd=tmp_path)
    assert f"${expected_a + expected_b:,.6f}" in listing.stdout
    # Replaying gives the same bytes: the cost comes from the log, not today's registry.
    write_user_config(
        '[models."anthropic:claude-sonnet-4-5"]\n'
        'provider = "anthropic"\nmodel = "claude-sonnet-4-5"\n'
        "input_price_per_million = 99.0\noutput_price_per_million = 99.0\n"
    )
    assert run_cli("replay", "--check", cwd=tmp_path).returncode == 0


def test_gemini_and_grok_and_ollama_can_be_mixed(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    result = run_cli("chat", "-a", "gemini", "-b", "grok", "-t", "1", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    models = [m["model"] for m in json.loads(transcript(tmp_path, ".json"))["messages"]]
    assert models == ["google:gemini-2.5-flash", "xai:grok-4"]
    other = tmp_path / "second"
    other.mkdir()
    result = run_cli(
        "chat", "-a", "ollama:qwen2.5:0.5b", "-b", "claude", "-t", "1", "-q", cwd=other
    )
    assert result.returncode == 0, result.stderr
    models = [m["model"] for m in json.loads(transcript(other, ".json"))["messages"]]
    assert models == ["ollama:qwen2.5:0.5b", "anthropic:claude-sonnet-4-5"]


def test_openai_compatible_server_by_base_url(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    result = run_cli(
        "chat",
        "-a",
        "openai-compatible:my-vllm-model",
        "-b",
        "local:test",
        "-t",
        "1",
        "-q",
        "--base-url",
        f"{provider_env.url}/v1",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (request,) = provider_env.requests("openai")
    assert request.body["model"] == "my-vllm-model"
    # No key is needed; the real OpenAI key is never sent to a third-party server.
    assert SENTINEL_KEYS["OPENAI_API_KEY"] not in str(request.headers)
    document = json.loads(transcript(tmp_path, ".json"))
    assert document["messages"][0]["model"] == "openai-compatible:my-vllm-model"
    # The server is recorded with the agent, so a resumed conversation reaches it again.
    assert document["agents"]["a"]["base_url"] == f"{provider_env.url}/v1"
    started = next(r.event for r in recorded_events(tmp_path)
                   if type(r.event).__name__ == "ConversationStarted")  # fmt: skip
    spec = AgentSpec.from_dict(started.agent_a)
    providers, _ = providers_for({"a": spec})

    async def again() -> str:
        return "".join([c async for c in providers["a"].stream_response(HELLO, None)])

    assert asyncio.run(again()).startswith("Reply 2 from the openai test server")


@pytest.mark.parametrize("given_by", ["spec", "option"])
def test_an_experiment_reaches_an_openai_compatible_server(
    provider_env: FakeProviderServer, tmp_path: Path, given_by: str
) -> None:
    url = f"{provider_env.url}/v1"
    spec = tmp_path / "spec.yaml"
    lines = [
        "agents: {a: {model: 'openai-compatible:my-vllm-model'}}",
        "turns: 1",
        "repetitions: 2",
    ]
    spec.write_text("\n".join([*lines, f"base_url: {url}"] if given_by == "spec" else lines))
    option = ["--base-url", url] if given_by == "option" else []
    result = run_cli("experiment", "start", str(spec), *option, "--foreground", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    models = [request.body["model"] for request in provider_env.requests("openai")]
    assert models == ["my-vllm-model", "my-vllm-model"]


@pytest.mark.parametrize(
    "url", ["http://user:secret@127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1?api_key=secret"]
)
def test_a_base_url_is_recorded_without_its_credentials(url: str) -> None:
    assert shareable_base_url(url) == "http://127.0.0.1:8000/v1"
    assert shareable_base_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_openai_compatible_without_a_server_is_a_one_line_error(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    result = run_cli("chat", "-a", "openai-compatible:x", "-q", cwd=tmp_path)
    assert result.returncode == 2
    assert "--base-url" in result.stderr and "OPENAI_COMPATIBLE_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "pidgin_output").exists()


@pytest.mark.parametrize(
    ("model", "variable"),
    [
        ("claude", "ANTHROPIC_API_KEY"),
        ("gpt-4o", "OPENAI_API_KEY"),
        ("grok", "XAI_API_KEY"),
        ("gemini", "GOOGLE_API_KEY or GEMINI_API_KEY"),
    ],
)
def test_a_missing_key_is_one_line_naming_the_variable_and_nothing_is_recorded(
    provider_env: FakeProviderServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    model: str,
    variable: str,
) -> None:
    for name in (*SENTINEL_KEYS, "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    result = run_cli("chat", "-a", "local:test", "-b", model, "-q", cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and variable in errors[0], result.stderr
    assert not (tmp_path / "pidgin_output").exists()
    assert provider_env.requests() == []


def test_two_missing_keys_are_named_in_one_line(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in SENTINEL_KEYS:
        monkeypatch.delenv(name, raising=False)
    result = run_cli("chat", "-a", "claude", "-b", "gpt-4o", "-q", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert "ANTHROPIC_API_KEY" in line and "OPENAI_API_KEY" in line, line
    assert not (tmp_path / "pidgin_output").exists()


def test_a_conversation_that_ends_in_error_exits_1_and_shows_each_attempt(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    write_user_config(FAST_RETRIES)
    provider_env.inject("anthropic", *[Fault("status", 503)] * 3)
    result = run_cli("chat", "-a", "gpt-4o", "-b", "claude", "-t", "2", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    shown = " ".join(result.stdout.split())
    assert "anthropic: attempt 1 of 3 failed (status 503)" in shown
    assert "attempt 2 of 3 failed (status 503)" in shown and "— retrying" in shown
    assert "attempt 3 of 3 failed (status 503)" in shown and "— giving up" in shown
    # The live view shows the errors; the log's warnings do not cut into it.
    assert "provider_error" not in result.stdout + result.stderr
    assert json.loads(transcript(tmp_path, ".json"))["end_reason"] == "error"
    assert "Ended error" in shown


def test_ollama_pulls_a_missing_model_with_yes(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    result = run_cli(
        "chat", "-a", "ollama:tinyllama", "-b", "local:test", "-t", "1", "-q", "--yes", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    (pull,) = provider_env.requests("ollama-pull")
    assert pull.body["model"] == "tinyllama"
    assert event_names(tmp_path).count("MessageCompleted") == 2


def test_ollama_missing_model_without_consent_records_nothing(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    process = run_cli("chat", "-a", "ollama:tinyllama", "-q", cwd=tmp_path, stdin="n\n")
    assert process.returncode == 2
    assert "ollama pull tinyllama" in process.stderr
    assert provider_env.requests("ollama-pull") == []
    assert not (tmp_path / "pidgin_output").exists()


def test_no_ollama_server_says_how_to_start_one(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # the discard port: nothing listens
    result = run_cli("chat", "-a", "ollama:qwen2.5:0.5b", "-q", cwd=tmp_path)
    assert result.returncode == 2
    assert "no Ollama server answers at http://127.0.0.1:9" in result.stderr
    assert "ollama serve" in result.stderr
    assert not (tmp_path / "pidgin_output").exists()


def test_models_lists_prices_aliases_and_key_status(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XAI_API_KEY")
    write_user_config(
        '[models."ollama:my-model"]\nprovider = "ollama"\nmodel = "my-model"\n'
        'aliases = ["mine"]\ncontext_window = 4096\n'
    )
    result = run_cli("models", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {
        line.split()[0]: re.split(r"\s{2,}", line.strip())
        for line in result.stdout.splitlines()
        if ":" in line.split()[0] and "to use its models" not in line and "Your" not in line
    }
    assert rows["anthropic:claude-sonnet-4-5"][1:] == [
        "claude, sonnet, claude-sonnet",
        "200k",
        "3",
        "15",
        "0.3 / 3.75",
        "temperature, thinking",
        "set",
    ]
    assert rows["openai:gpt-5"][5:7] == ["0.125 / -", "seed, thinking"]  # no temperature
    assert rows["xai:grok-4"][-1] == "missing" and "xai: set XAI_API_KEY" in result.stdout
    assert rows["local:test"][-1] == "—"
    assert rows["ollama:my-model"][1:3] == ["mine", "4k"]


def test_no_key_reaches_any_file_log_or_output(
    provider_env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Sentinel keys, errors that echo the key back, debug logs to a file: then every byte
    written is scanned for every key."""
    write_user_config(FAST_RETRIES)
    log_file = tmp_path / "pidgin.log"
    monkeypatch.setenv("PIDGIN_LOG_LEVEL", "debug")
    monkeypatch.setenv("PIDGIN_LOG_FILE", str(log_file))
    provider_env.inject("anthropic", Fault("status", 500, echo_key=True))
    provider_env.inject("gemini", Fault("status", 429, retry_after=0.01, echo_key=True))
    outputs = [run_cli("chat", "-a", "claude", "-b", "gemini", "-t", "2", cwd=tmp_path)]
    # grok (xAI) and gpt-4o both speak the OpenAI protocol: grok's request succeeds.
    provider_env.inject("openai", Fault("slow", delay=0), Fault("status", 401, echo_key=True))
    outputs.append(run_cli("chat", "-a", "grok", "-b", "gpt-4o", "-t", "1", cwd=tmp_path))
    outputs.append(run_cli("list", cwd=tmp_path))
    outputs.append(run_cli("replay", cwd=tmp_path))
    outputs.append(run_cli("project", "--to", "duckdb", cwd=tmp_path))
    # The second chat ends in error (gpt-4o's 401 is not retried): exit code 1.
    assert [o.returncode for o in outputs] == [0, 1, 0, 0, 0], [o.stderr for o in outputs]
    # The keys really were used, and really were echoed back in the errors.
    seen = json.dumps([r.headers for r in provider_env.requests()])
    assert all(key in seen for key in SENTINEL_KEYS.values())
    names = event_names(tmp_path)
    assert names.count("ProviderErrored") == 3 and "RateLimited" in names
    errors = [
        r.event.message
        for r in recorded_events(tmp_path)
        if type(r.event).__name__ == "ProviderErrored"
    ]
    assert all("[redacted]" in message for message in errors), errors
    assert log_file.stat().st_size > 0
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in written) and any(p.suffix == ".md" for p in written)
    blobs = [p.read_bytes() for p in written]
    blobs += [(o.stdout + o.stderr).encode() for o in outputs]
    for key in SENTINEL_KEYS.values():
        for blob in blobs:
            assert key.encode() not in blob
    # DuckDB may compress strings on disk, so its text is searched with SQL as well.
    (database,) = [p for p in written if p.suffix == ".duckdb"]
    assert_no_key_in_duckdb(database)


def assert_no_key_in_duckdb(
    database: Path, keys: Sequence[str] = tuple(SENTINEL_KEYS.values())
) -> None:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        columns = connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main'"
        ).fetchall()
        assert any(table == "messages" for table, _ in columns)
        for table, column in columns:
            for key in keys:
                hits = connection.execute(
                    f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?',
                    [f"%{key}%"],
                ).fetchone()
                assert hits == (0,), (table, column)


def test_help_imports_no_provider_sdk() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from pidgin.cli import cli\n"
        "for args in (['--help'], ['chat', '--help'], ['models']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0\n"
        "heavy = [m for m in ('anthropic', 'openai', 'google.genai', 'llama_cpp')\n"
        "         if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
