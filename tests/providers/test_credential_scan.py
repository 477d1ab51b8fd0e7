"""No credential reaches the log, a file or an output, however the user gave it.

Sentinel credentials go in every way a user can give them: API keys and a base URL with
a password in the environment, ``--base-url`` with a password, a spec file's
``base_url:`` and ``store:`` (a real PostgreSQL URL with its real password), PIDGIN_STORE,
and the user's registry file (a base URL with a password, a key variable of its own).
Then every command that writes or shows something runs, and every event, file, export,
DuckDB column, PostgreSQL row and output is searched for each sentinel.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from pidgin.providers import shareable_base_url
from tests.eventlog.stores import postgres_test_url
from tests.providers.conftest import SENTINEL_KEYS, run_cli, write_user_config
from tests.providers.fake_server import FakeProviderServer
from tests.providers.test_chat_cli import assert_no_key_in_duckdb

QUICK = ("-t", "1", "-r", "2", "--foreground", "-q", "--name", "flagged")
FLAG_SECRET = "FLAG-url-SENTINEL-5a1c"
ENV_SECRET = "ENV-url-SENTINEL-77d0"
SPEC_SECRET = "SPEC-url-SENTINEL-c3e9"
REGISTRY_SECRET = "REGISTRY-url-SENTINEL-0b6f"
REGISTRY_KEY = "REGISTRY-key-SENTINEL-e812"
COMPATIBLE_KEY = "COMPAT-key-SENTINEL-91aa"


@pytest.fixture
def private_database() -> Iterator[str]:
    """A database of its own on the test server (other tests reset the shared one), with
    the server's real password in its URL."""
    import psycopg

    base = postgres_test_url()
    name = f"pidgin_credentials_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    yield url
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def with_userinfo(url: str, user: str, secret: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:{secret}@{parts.netloc}"))


def test_no_credential_reaches_the_log_files_or_outputs(
    provider_env: FakeProviderServer,
    private_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = f"{provider_env.url}/v1"
    pg_password = urlsplit(private_database).password
    assert pg_password
    sentinels = [
        *SENTINEL_KEYS.values(),
        FLAG_SECRET,
        ENV_SECRET,
        SPEC_SECRET,
        REGISTRY_SECRET,
        REGISTRY_KEY,
        COMPATIBLE_KEY,
        pg_password,
    ]
    monkeypatch.setenv("OPENAI_COMPATIBLE_BASE_URL", with_userinfo(server, "env", ENV_SECRET))
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", COMPATIBLE_KEY)
    monkeypatch.setenv("REGISTRY_SERVER_KEY", REGISTRY_KEY)
    monkeypatch.setenv("PIDGIN_LOG_LEVEL", "debug")
    monkeypatch.setenv("PIDGIN_LOG_FILE", str(tmp_path / "pidgin.log"))
    write_user_config(
        "[models.mine]\n"
        'provider = "openai-compatible"\nmodel = "mine"\n'
        f'base_url = "{with_userinfo(server, "reg", REGISTRY_SECRET)}"\n'
        '[providers.openai-compatible]\nkey_env = ["REGISTRY_SERVER_KEY"]\n'
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "agents: {a: {model: 'openai-compatible:spec-model'}}\n"
        f"base_url: {with_userinfo(server, 'spec', SPEC_SECRET)}\n"
        f"store: {private_database}\n"
        "turns: 1\nrepetitions: 2\n",
        encoding="utf-8",
    )
    flag_url = with_userinfo(server, "flag", FLAG_SECRET)
    copy = f"sqlite:///{str(tmp_path / 'copy.db').lstrip('/')}"
    commands = [
        ("chat", "-a", "openai-compatible:flag-model", "--base-url", flag_url, "-t", "1", "-q"),
        ("chat", "-a", "openai-compatible:env-model", "-t", "1", "-q"),
        ("chat", "-a", "mine", "-b", "gpt-4o", "-t", "1", "-q"),
        ("experiment", "start", "-a", "openai-compatible:x", "--base-url", flag_url, *QUICK),
        ("experiment", "start", str(spec), "--foreground", "-q", "--name", "specced"),
        ("experiment", "list", "--format", "json"),
        ("experiment", "status", "flagged", "--format", "json"),
        ("list",),
        ("replay",),
        ("project", "-q"),
        ("query", "SELECT * FROM experiments", "--format", "json"),
        ("query", "SELECT * FROM conversations", "--format", "csv"),
        ("log", "export", "-o", str(tmp_path / "export.jsonl")),
        ("log", "export"),
        ("log", "verify"),
        ("models",),
    ]
    results = [run_cli(*command, cwd=tmp_path) for command in commands]
    # The spec's store, named through PIDGIN_STORE: listed, exported, copied, projected.
    monkeypatch.setenv("PIDGIN_STORE", private_database)
    for command in (
        ("experiment", "list", "--format", "json"),
        ("log", "export"),
        ("log", "copy", "--to", copy),
        ("project", "-q", str(tmp_path / "pg.duckdb")),
    ):
        results.append(run_cli(*command, cwd=tmp_path, keep_store=True))
    failed = [(r.args, r.stderr) for r in results if r.returncode != 0]
    assert not failed, failed

    # Every server was reached, with the credentials given, though none was recorded.
    models = [request.body["model"] for request in provider_env.requests("openai")]
    assert {"flag-model", "env-model", "mine", "x", "spec-model"} <= set(models), models
    exported = (tmp_path / "export.jsonl").read_text(encoding="utf-8")
    assert exported.count(f'"base_url":"{server}"') >= 3  # the server, without credentials

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != spec]  # not the input
    assert len(written) > 10
    blobs = [p.read_bytes() for p in written]
    blobs += [(r.stdout + r.stderr).encode() for r in results]
    blobs.append(postgres_rows(private_database).encode())
    assert (tmp_path / "pidgin.log").stat().st_size > 0
    for sentinel in sentinels:
        leaks = [blob[:200] for blob in blobs if sentinel.encode() in blob]
        assert not leaks, (sentinel, leaks)
    for database in (tmp_path / "pidgin_output" / "pidgin.duckdb", tmp_path / "pg.duckdb"):
        assert_no_key_in_duckdb(database, sentinels)


def postgres_rows(url: str) -> str:
    """Every row of every table of the database, as text."""
    import psycopg

    rows: list[str] = []
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        assert tables
        for (table,) in tables:
            for (row,) in connection.execute(f'SELECT t::text FROM "{table}" t').fetchall():
                rows.append(row)
    text = "\n".join(rows)
    assert "ExperimentCreated" in text or "Experiment" in text
    return text


@pytest.mark.parametrize(
    ("given", "recorded"),
    [
        ("http://user:pw@127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://TOKEN@h/v1", "http://h/v1"),
        ("https://h/v1?api_key=s&x=1", "https://h/v1?x=1"),
        ("https://h/v1?Access_Token=s", "https://h/v1"),
        ("https://h/v1#access_token=s", "https://h/v1"),
        ("https://h/v1?X-Amz-Signature=s&region=eu", "https://h/v1?region=eu"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
    ],
)
def test_a_url_is_recorded_without_userinfo_or_secret_parameters(given: str, recorded: str) -> None:
    assert shareable_base_url(given) == recorded


def test_a_url_shown_to_a_person_keeps_the_user_and_masks_the_rest() -> None:
    from eventlog.redact import redact_url

    assert redact_url("postgresql://me:pw@h:5432/db", mask=True) == "postgresql://me:***@h:5432/db"
    assert redact_url("http://h/v1?token=abc&x=1", mask=True) == "http://h/v1?token=***&x=1"
    assert redact_url("postgresql://me:pw@h:99999999/db", mask=True).count("pw") == 0
    assert "pw" not in redact_url("postgresql://me:pw@h:bad/db?password=pw", mask=True)


def test_every_recorded_setting_passes_the_sanitiser() -> None:
    from pidgin.domain.boundary import recordable

    spec = {
        "store": "postgresql://u:pw@h/db",
        "agents": {"a": {"base_url": "http://u:pw@h/v1"}},
        "prompt": "free text http://u:pw@h stays as the models saw it",
        "extra": [{"api_key": "pw", "tokens_in": 3}],
    }
    assert recordable(spec) == {
        "store": "postgresql://h/db",
        "agents": {"a": {"base_url": "http://h/v1"}},
        "prompt": spec["prompt"],
        "extra": [{"api_key": "***", "tokens_in": 3}],
    }
    assert json.dumps(recordable(spec)).count("pw") == 1  # only in the free text


def test_stores_logs_exports_and_databases_are_owner_only(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    os.chmod(tmp_path, 0o755)
    runs = [
        run_cli("chat", "-t", "1", "-q", cwd=tmp_path),
        run_cli("chat", "-t", "1", "-q", "--store", f"jsonl://{tmp_path / 'log'}", cwd=tmp_path),
        run_cli("project", "-q", cwd=tmp_path),
        run_cli("log", "export", "-o", str(tmp_path / "export.jsonl"), cwd=tmp_path),
        run_cli("project", "--to", "parquet", str(tmp_path / "parquet"), "-q", cwd=tmp_path),
    ]
    assert [r.returncode for r in runs] == [0] * len(runs), [r.stderr for r in runs]
    written = [p for p in tmp_path.rglob("*") if p != tmp_path]
    assert any(p.suffix == ".parquet" for p in written)
    loose = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o077) for p in written}
    assert {name: mode for name, mode in loose.items() if mode != "0o0"} == {}
