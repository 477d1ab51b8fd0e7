"""Fixtures for provider tests: the local protocol server and sentinel API keys."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pidgin.providers.registry import PROVIDERS, load_registry_data
from tests.providers.fake_server import FakeProviderServer

SENTINEL_KEYS = {
    "ANTHROPIC_API_KEY": "sk-ant-SENTINEL-anthropic-4f1d9c",
    "OPENAI_API_KEY": "sk-SENTINEL-openai-8b2e7a",
    "GOOGLE_API_KEY": "AIzaSENTINEL-google-3c5f0e",
    "XAI_API_KEY": "xai-SENTINEL-xai-9d4a1b",
}
"""Unmistakable fake keys: a test scans everything written for each of them."""


@pytest.fixture(scope="session")
def protocol_server() -> Iterator[FakeProviderServer]:
    server = FakeProviderServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake(protocol_server: FakeProviderServer) -> Iterator[FakeProviderServer]:
    """The protocol server, with no queued faults and no recorded requests."""
    protocol_server.reset()
    yield protocol_server
    protocol_server.reset()


@pytest.fixture
def provider_env(
    fake: FakeProviderServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> FakeProviderServer:
    """Sentinel keys set, every provider's base URL pointed at the protocol server, and a
    private config directory (so a developer's own models.toml cannot interfere)."""
    for name, value in SENTINEL_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake.url}/v1")
    monkeypatch.setenv("XAI_BASE_URL", f"{fake.url}/v1")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake.url)
    monkeypatch.setenv("OLLAMA_HOST", fake.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    load_registry_data.cache_clear()
    return fake


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    """The registry is cached per process; tests that change the config see a fresh one."""
    load_registry_data.cache_clear()
    yield
    load_registry_data.cache_clear()


def write_user_config(template: str) -> Path:
    """Write the user's models.toml in the private XDG directory; ``template`` is repeated
    for every provider with ``{provider}`` filled in (or used once if it has none)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "pidgin" / "models.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if "{provider}" in template:
        text = "\n".join(template.replace("{provider}", f'"{p}"') for p in PROVIDERS)
    else:
        text = template
    path.write_text(text + "\n", encoding="utf-8")
    load_registry_data.cache_clear()
    return path


def run_cli(
    *args: str,
    cwd: Path,
    columns: int = 250,
    stdin: str | None = None,
    timeout: float = 180,
    keep_store: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``python -m pidgin ARGS`` in a separate process with this test's environment
    (keys, base URLs, config directory; PIDGIN_STORE only if ``keep_store``) and a wide
    terminal for tables."""
    env = {k: v for k, v in os.environ.items() if keep_store or k != "PIDGIN_STORE"}
    env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "pidgin", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
