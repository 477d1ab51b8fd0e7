"""The JSONL store: readable lines, torn tails set aside, corruption named by file and line."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from eventlog import StoreCorruptError, open_store
from eventlog.jsonl import JsonlApplicationRecorder, JsonlDatastore
from tests.eventlog.stores import jsonl_url
from tests.eventlog.workers import Tally

REPO_ROOT = Path(__file__).resolve().parents[2]


def _record(url: str, tallies: int = 3, counts: int = 4) -> list[Tally]:
    saved = []
    with open_store(url) as log:
        for index in range(tallies):
            tally = Tally(writer=f"w{index}")
            for number in range(counts):
                tally.add(number, f'note {index}/{number} with "quotes" and\nnewline')
            log.save(tally)
            saved.append(tally)
    return saved


def _pidgin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env_path = str(REPO_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pidgin", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "PYTHONPATH": env_path},
    )


def test_one_readable_json_line_per_event(tmp_path: Path) -> None:
    url = jsonl_url(tmp_path)
    tallies = _record(url, tallies=2, counts=2)
    lines = (tmp_path / "log" / "events.jsonl").read_text().splitlines()
    assert len(lines) == 6
    records = [json.loads(line) for line in lines]
    assert [r["position"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r["version"] for r in records] == [1, 2, 3, 1, 2, 3]
    assert records[0]["originator_id"] == str(tallies[0].id)
    assert records[1]["topic"] == "tests.eventlog.workers:Tally.Counted"
    # The fields are JSON, not an escaped blob, and the timestamp is shown at the top.
    assert records[1]["state"]["note"] == 'note 0/0 with "quotes" and\nnewline'
    assert records[1]["state"]["number"] == 0
    assert records[1]["timestamp"] == records[1]["state"]["timestamp"]
    # Transactions are framed: each save of three events counts down rest 2, 1, (0).
    assert [r.get("rest", 0) for r in records] == [2, 1, 0, 2, 1, 0]


def test_state_that_is_not_json_is_kept_exactly(tmp_path: Path) -> None:
    recorder = JsonlApplicationRecorder(JsonlDatastore(tmp_path))
    odd_states = [b"\x00\xffbinary", b"", b' {"a": 1}', b'{"a":\n1}', b"[1,2]", b'"text"']
    events = [
        StoredEvent(originator_id=Tally(writer="x").id, originator_version=1, topic="t", state=s)
        for s in odd_states
    ]
    recorder.insert_events(events)
    again = JsonlApplicationRecorder(JsonlDatastore(tmp_path))  # read back from the file
    notifications = again.select_notifications(start=None, limit=10)
    assert [n.state for n in notifications] == odd_states


def _torn_copies(tmp_path: Path, rounds: int) -> None:
    """Append a prefix (cut at a random byte) of a real transaction, as a crash would."""
    url = jsonl_url(tmp_path)
    _record(url, tallies=2, counts=3)
    events_file = tmp_path / "log" / "events.jsonl"
    complete = events_file.read_bytes()
    # A real multi-line transaction, written to a scratch store, is the crash's victim.
    scratch = tmp_path / "scratch"
    _record(jsonl_url(scratch, "log"), tallies=1, counts=5)
    victim = (scratch / "log" / "events.jsonl").read_bytes()
    rng = random.Random(7)
    for _ in range(rounds):
        cut = rng.randrange(1, len(victim))  # never the whole transaction
        with events_file.open("ab") as handle:
            handle.write(victim[:cut])
        with open_store(url, create=False) as log:
            assert len(log.notices) == 1
            assert "set aside" in log.notices[0]
            assert len(list(log.read())) == 8
        assert events_file.read_bytes() == complete  # complete lines untouched


def test_torn_tails_are_set_aside_and_complete_lines_kept(tmp_path: Path) -> None:
    _torn_copies(tmp_path, rounds=50)
    asides = sorted((tmp_path / "log").glob("events.jsonl.torn-*"))
    assert len(asides) == 50
    result = _pidgin("log", "verify", "--store", jsonl_url(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 events, 2 conversations" in result.stdout


def test_a_malformed_middle_line_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    url = jsonl_url(tmp_path)
    _record(url)
    events_file = tmp_path / "log" / "events.jsonl"
    lines = events_file.read_bytes().splitlines(keepends=True)
    good_line_7 = lines[6]
    lines[6] = lines[6][:40] + b"#garbage#" + lines[6][40:]  # inside the id: still JSON
    events_file.write_bytes(b"".join(lines))
    with pytest.raises(StoreCorruptError, match=r"events\.jsonl, line 7: originator_id"):
        open_store(url, create=False)
    lines[6] = b"#garbage#" + good_line_7
    events_file.write_bytes(b"".join(lines))
    before = events_file.read_bytes()

    with pytest.raises(StoreCorruptError, match=r"events\.jsonl, line 7: not valid JSON"):
        open_store(url, create=False)
    for command in (["log", "verify"], ["chat", "-t", "1", "-q"], ["replay"]):
        result = _pidgin(*command, "--store", url, cwd=tmp_path)
        assert result.returncode != 0
        output = (result.stdout + result.stderr).strip()
        assert "events.jsonl, line 7" in output
        assert "Traceback" not in output
    assert events_file.read_bytes() == before
    assert not list((tmp_path / "log").glob("*.torn-*"))


def test_a_file_that_is_not_jsonl_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "log"
    store.mkdir()
    (store / "events.jsonl").write_text("this is a diary, not a log\nsecond line\n")
    result = _pidgin("log", "verify", "--store", jsonl_url(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert "events.jsonl, line 1: not valid JSON" in result.stdout
    (store / "events.jsonl").write_text('{"name": "a json object, not an event"}\n')
    result = _pidgin("list", "--store", jsonl_url(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "line 1: an event line needs position" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_store_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "log").write_text("x")
    result = _pidgin("chat", "-t", "1", "-q", "--store", jsonl_url(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "is a file, not a JSONL directory" in result.stderr
