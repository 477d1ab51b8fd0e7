"""The round trip between stores: sqlite → jsonl → postgres → sqlite, transcripts identical.

Two real conversations (local:test) are recorded into SQLite; `pidgin log copy` moves the
log along the chain; `pidgin replay` on every store must rebuild transcripts byte-identical
to the ones `pidgin chat` wrote, and every store must hold the same stored events.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from eventlog import open_store
from pidgin.cli import cli
from tests.eventlog.stores import jsonl_url, postgres_test_url, reset_postgres, sqlite_url


def _pidgin(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _stored(url: str) -> list[tuple[str, int, str, bytes]]:
    with open_store(url, create=False) as log:
        return [
            (str(n.originator_id), n.originator_version, n.topic, n.state)
            for n in log.read_notifications()
        ]


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_copy_chain_gives_identical_transcripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIDGIN_STORE", raising=False)
    postgres = postgres_test_url()
    reset_postgres(postgres)
    chain = [
        sqlite_url(tmp_path, "first.db"),
        jsonl_url(tmp_path, "jsonl-log"),
        postgres,
        sqlite_url(tmp_path, "last.db"),
    ]
    recorded = tmp_path / "recorded"
    for prompt, turns in (("What is a pidgin language?", "4"), ("Tell me about tides.", "3")):
        _pidgin("chat", "-q", "-t", turns, "-p", prompt, "--store", chain[0], "-o", str(recorded))

    events = _stored(chain[0])
    for source, target in itertools.pairwise(chain):
        copied = _pidgin("log", "copy", "--store", source, "--to", target)
        assert f"Copied {len(events)} events" in copied.output

    original = _files(recorded / "transcripts")
    assert len(original) == 4  # two conversations, .md and .json each
    for index, url in enumerate(chain):
        assert _stored(url) == events, url
        replayed = tmp_path / f"replayed-{index}"
        _pidgin("replay", "--store", url, "-o", str(replayed))
        assert _files(replayed / "transcripts") == original, url
        assert _pidgin("log", "verify", "--store", url).output.rstrip().endswith(": OK")
