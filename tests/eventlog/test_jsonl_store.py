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


def _victim(tmp_path: Path) -> bytes:
    """A real multi-line transaction (a tally's six events), from a scratch store."""
    scratch = tmp_path / "scratch"
    _record(jsonl_url(scratch, "log"), tallies=1, counts=5)
    return (scratch / "log" / "events.jsonl").read_bytes()


def test_a_torn_tail_is_left_alone_by_readers_and_set_aside_by_the_next_writer(
    tmp_path: Path,
) -> None:
    url = jsonl_url(tmp_path)
    _record(url, tallies=2, counts=3)
    events_file = tmp_path / "log" / "events.jsonl"
    victim = _victim(tmp_path)
    rng = random.Random(7)
    for round_number in range(20):
        complete = events_file.read_bytes()
        cut = rng.randrange(1, len(victim) - 1)  # an unfinished transaction
        with events_file.open("ab") as handle:
            handle.write(victim[:cut])
        torn = complete + victim[:cut]
        verify = _pidgin("log", "verify", "--store", url, cwd=tmp_path)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "ignoring" in verify.stdout and "unfinished write" in verify.stdout
        assert events_file.read_bytes() == torn  # a read-only command wrote nothing
        with open_store(url) as log:
            assert len(list(log.read())) == 8 + round_number
            log.save(Tally(writer=f"after {round_number}"))  # a writer repairs first
            assert any("set aside" in notice for notice in log.notices)
        assert events_file.read_bytes().startswith(complete)
    assert len(list((tmp_path / "log").glob("events.jsonl.torn-*"))) == 20


def test_a_last_line_without_its_newline_keeps_its_whole_transaction(tmp_path: Path) -> None:
    url = jsonl_url(tmp_path)
    _record(url, tallies=3, counts=4)  # transactions of five lines
    events_file = tmp_path / "log" / "events.jsonl"
    events_file.write_bytes(events_file.read_bytes()[:-1])
    before = events_file.read_bytes()
    verify = _pidgin("log", "verify", "--store", url, cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "15 events, 3 conversations" in verify.stdout
    assert events_file.read_bytes() == before
    with open_store(url) as log:
        assert log.notices == []
        assert len(list(log.read())) == 15
        log.save(Tally(writer="next"))
    with open_store(url, create=False) as log:
        assert [r.position for r in log.read()][-2:] == [15, 16]
    assert not list((tmp_path / "log").glob("*.torn-*"))


def test_positions_never_restart_beside_a_torn_file_holding_them(tmp_path: Path) -> None:
    url = jsonl_url(tmp_path)
    _record(url, tallies=1, counts=2)  # positions 1..3
    events_file = tmp_path / "log" / "events.jsonl"
    with open_store(url) as log:  # an unfinished transaction of positions 4..8
        tally = Tally(writer="torn")
        for number in range(4):
            tally.add(number, "lost")
        log.save(tally)
    data = events_file.read_bytes()
    events_file.write_bytes(data[: data.rindex(b"\n", 0, len(data) - 1) - 5])
    with open_store(url) as log:
        log.save(Tally(writer="next"))
        positions = [r.position for r in log.read()]
    assert positions == [1, 2, 3, 8]  # 4..7 are in the torn file (7 cut), never reused
    (aside,) = (tmp_path / "log").glob("events.jsonl.torn-*")
    assert b'"position":7' in aside.read_bytes()
    verify = _pidgin("log", "verify", "--store", url, cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr


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
    assert result.returncode == 3  # a damaged store
    assert "line 1: an event line needs position" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_store_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "log").write_text("x")
    result = _pidgin("chat", "-t", "1", "-q", "--store", jsonl_url(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "is a file, not a JSONL directory" in result.stderr
