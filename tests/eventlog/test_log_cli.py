"""`pidgin log` commands and the bad input every store must survive.

Bad input: one clear line on stderr, a non-zero exit, no traceback, nothing written.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from eventlog import open_store
from eventlog.transfer import CHUNK
from pidgin.cli import cli
from tests.eventlog.stores import jsonl_url, postgres_test_url, reset_postgres, sqlite_url

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIDGIN_STORE", raising=False)
    return tmp_path


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _ok(*args: str) -> Result:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return result


def _refused(*args: str, code: int = 2) -> str:
    """Run a command that must fail cleanly; return its one-line message."""
    result = _run(*args)
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def _chat(url: str, prompt: str = "What is a pidgin language?", turns: str = "2") -> None:
    _ok("chat", "-q", "-t", turns, "-p", prompt, "--store", url)


def _count(url: str) -> int:
    with open_store(url, create=False) as log:
        return sum(1 for _ in log.read_notifications())


def _conversation_ids(url: str) -> list[str]:
    with open_store(url, create=False) as log:
        return list(dict.fromkeys(str(n.originator_id) for n in log.read_notifications()))


# -- export / import ------------------------------------------------------------------------


def test_export_then_import_twice_adds_once(here: Path) -> None:
    source = sqlite_url(here, "source.db")
    _chat(source)
    _chat(source, "Tell me about tides.")
    exported = _ok("log", "export", "--store", source).stdout_bytes
    lines = [json.loads(line) for line in exported.splitlines()]
    assert len(lines) == _count(source)
    assert [line["position"] for line in lines] == sorted(line["position"] for line in lines)

    (here / "all.jsonl").write_bytes(exported)
    target = jsonl_url(here, "target")
    first = _ok("log", "import", "all.jsonl", "--store", target)
    assert f"Imported {len(lines)} events" in first.output
    again = _ok("log", "import", "all.jsonl", "--store", target)
    assert "Nothing to import" in again.output
    assert _count(target) == len(lines)


def test_export_one_conversation_by_prefix_to_a_file(here: Path) -> None:
    store = sqlite_url(here)
    _chat(store)
    _chat(store, "Tell me about tides.")
    wanted = _conversation_ids(store)[1]
    _ok("log", "export", "--store", store, "-c", wanted[:8], "-o", "one.jsonl")
    exported = [json.loads(line) for line in (here / "one.jsonl").read_text().splitlines()]
    assert exported and {line["originator_id"] for line in exported} == {wanted}
    assert not list(here.glob(".*partial"))


def test_export_to_an_unwritable_place_leaves_nothing(here: Path) -> None:
    store = sqlite_url(here)
    _chat(store)
    message = _refused("log", "export", "--store", store, "-o", str(here / "no" / "dir" / "x"))
    assert message.startswith("Error: cannot write")
    assert not (here / "no").exists()


def test_import_of_a_bad_file_names_the_line_and_writes_nothing(here: Path) -> None:
    store = sqlite_url(here)
    _chat(store)
    good = _ok("log", "export", "--store", store).stdout_bytes.splitlines(keepends=True)
    bad = [*good[:2], b'{"position": 3, "originator_id": \n', *good[3:]]
    (here / "bad.jsonl").write_bytes(b"".join(bad))
    target = sqlite_url(here, "target.db")
    message = _refused("log", "import", "bad.jsonl", "--store", target)
    assert "bad.jsonl, line 3: not valid JSON" in message
    assert not (here / "target.db").exists()

    (here / "notes.txt").write_text("shopping list\n")
    assert "notes.txt, line 1" in _refused("log", "import", "notes.txt", "--store", target)
    assert "no such file" in _refused("log", "import", "missing.jsonl", "--store", target)
    assert not (here / "target.db").exists()


def test_import_refuses_a_different_event_under_an_existing_version(here: Path) -> None:
    store = sqlite_url(here)
    _chat(store)
    lines = [
        json.loads(line)
        for line in _ok("log", "export", "--store", store).stdout_bytes.splitlines()
    ]
    changed = next(line for line in lines if line["topic"].endswith("MessageCompleted"))
    changed["state"]["text"] = "rewritten history"
    (here / "tampered.jsonl").write_text(json.dumps(changed) + "\n")
    assert "checksum mismatch" in _refused("log", "import", "tampered.jsonl", "--store", store)
    del changed["state"]["_checksum"]  # as an event written before checksums
    (here / "changed.jsonl").write_text(json.dumps(changed) + "\n")
    before = _count(store)
    message = _refused("log", "import", "changed.jsonl", "--store", store)
    assert "already has a different event" in message
    assert _count(store) == before


def test_a_differing_event_after_many_new_ones_still_writes_nothing(here: Path) -> None:
    """The import streams the file, but checks all of it before the first write."""
    store = sqlite_url(here)
    _chat(store, turns="90")
    lines = _ok("log", "export", "--store", store).stdout_bytes.splitlines(keepends=True)
    assert len(lines) > CHUNK  # the clashes lie beyond the first chunk of writes
    target = sqlite_url(here, "target.db")
    _chat(target, prompt="Another conversation entirely.")
    before = _count(target)
    theirs = _ok("log", "export", "--store", target).stdout_bytes.splitlines()

    def rewritten(line: bytes) -> bytes:
        event = json.loads(line)
        event["state"]["text"] = "rewritten history"
        del event["state"]["_checksum"]  # as an event written before checksums
        return json.dumps(event).encode() + b"\n"

    def clash_after_all_lines(with_line: bytes) -> str:
        completed = next(line for line in with_line if b"MessageCompleted" in line)
        (here / "clash.jsonl").write_bytes(b"".join(lines) + rewritten(completed))
        return _refused("log", "import", "clash.jsonl", "--store", target)

    # A version the target holds with other contents, and one the file holds twice.
    assert "already has a different event as version" in clash_after_all_lines(theirs)
    assert "holds two different events as version" in clash_after_all_lines(lines)
    assert _count(target) == before
    (here / "clean.jsonl").write_bytes(b"".join(lines))
    assert "Imported" in _ok("log", "import", "clean.jsonl", "--store", target).output
    assert _count(target) == before + len(lines)


# -- copy / verify --------------------------------------------------------------------------


def test_copy_to_itself_is_refused(here: Path) -> None:
    store = sqlite_url(here)
    _chat(store)
    assert "names the store being copied" in _refused(
        "log", "copy", "--store", store, "--to", store
    )


def test_verify_names_a_gap_in_versions(here: Path) -> None:
    store = sqlite_url(here)
    _chat(store)
    assert _ok("log", "verify", "--store", store).output.rstrip().endswith(": OK")
    with sqlite3.connect(here / "events.db") as db:
        db.execute("DELETE FROM stored_events WHERE rowid = 5")
    result = _run("log", "verify", "--store", store)
    assert result.exit_code == 1
    assert "problem: position 6: version 6 of" in result.output
    assert "expected 5" in result.output


def test_verify_names_an_event_that_does_not_decode(here: Path) -> None:
    store = sqlite_url(here)
    _chat(store)
    with sqlite3.connect(here / "events.db") as db:
        db.execute("UPDATE stored_events SET state = CAST('{\"not\": ' AS BLOB) WHERE rowid = 3")
    result = _run("log", "verify", "--store", store)
    assert result.exit_code == 1
    assert "problem: position 3 (MessageRequested): cannot be read as" in result.output


def test_verify_of_a_missing_store(here: Path) -> None:
    message = _refused("log", "verify", "--store", sqlite_url(here, "nothing.db"))
    assert "no store at" in message
    assert not (here / "nothing.db").exists()


# -- tail -----------------------------------------------------------------------------------


def _follow_a_new_conversation(url: str, cwd: Path) -> list[dict[str, object]]:
    """Start `pidgin log tail --json`, record a conversation, return what tail printed.

    Tail first prints the events already stored; once it has, it is surely following,
    and only then is the new conversation recorded.
    """
    before = _count(url)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PIDGIN_STORE", None)
    command = ["log", "tail", "-n", str(before), "--json", "--store", url]
    tail = subprocess.Popen(
        [sys.executable, "-m", "pidgin", *command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[dict[str, object]] = []
    try:
        assert tail.stdout is not None
        history = [json.loads(tail.stdout.readline()) for _ in range(before)]
        assert len({line["originator_id"] for line in history}) == 1
        _chat(url, "Tell me about tides.")
        appended = _count(url) - before
        while len(seen) < appended and (line := tail.stdout.readline()):
            seen.append(json.loads(line))
    finally:
        tail.send_signal(signal.SIGINT)
        _, stderr = tail.communicate(timeout=10)
    assert tail.returncode == 0, stderr
    assert len(seen) == appended
    return seen


@pytest.mark.parametrize("store", ["sqlite", "jsonl", "postgresql"])
def test_tail_follows_new_events(store: str, here: Path) -> None:
    if store == "postgresql":
        url = postgres_test_url()
        reset_postgres(url)
    else:
        url = sqlite_url(here) if store == "sqlite" else jsonl_url(here)
    _chat(url)
    seen = _follow_a_new_conversation(url, here)
    newest = _conversation_ids(url)[-1]
    assert {line["originator_id"] for line in seen} == {newest}
    assert [line["version"] for line in seen] == list(range(1, len(seen) + 1))


# -- bad store URLs, and the password ------------------------------------------------------


def test_a_typo_in_the_scheme_is_named(here: Path) -> None:
    message = _refused("chat", "-q", "-t", "1", "--store", "sqlit:///x.db")
    assert "unknown store scheme 'sqlit'" in message
    assert not list(here.iterdir())


def test_an_unreachable_database_names_the_host_not_the_password(here: Path) -> None:
    url = "postgresql://pidgin:hunter2secret@127.0.0.1:1/pidgin"
    message = _refused("chat", "-q", "-t", "1", "--store", url)
    assert "127.0.0.1:1" in message
    assert "hunter2secret" not in message
    assert not (here / "pidgin_output" / "transcripts").exists()


def test_a_wrong_password_is_refused_without_showing_it(here: Path) -> None:
    real = postgres_test_url()
    wrong = real.replace(real.split(":")[2].split("@")[0], "not-the-password-42")
    message = _refused("log", "verify", "--store", wrong)
    assert "password authentication failed" in message
    assert "not-the-password-42" not in message


def test_the_password_never_reaches_output_or_files(here: Path) -> None:
    url = postgres_test_url()
    reset_postgres(url)
    password = url.split(":")[2].split("@")[0]
    outputs = [
        _ok("chat", "-q", "-t", "1", "--store", url).output,
        _ok("log", "verify", "--store", url).output,
        _ok("log", "copy", "--store", url, "--to", jsonl_url(here)).output,
        _ok("log", "export", "--store", url).output,
    ]
    assert all(password not in output for output in outputs)
    assert "***" in outputs[0]
    for path in here.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path
