"""The corruption sweep: damaged SQLite and JSONL stores under list, replay, project,
log export, log copy and log verify.

Each case damages one copy of a recorded store (see tests/eventlog/damage.py) and runs
every command on it. A command either prints one ``Error:`` line naming the store and
exits 3 (a damaged store), or gives exactly the output of the undamaged store; never a
traceback, never silently different output. ``log verify`` must notice every damage.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

from pidgin.cli import cli
from tests.eventlog import damage
from tests.eventlog.stores import jsonl_url, sqlite_url

TURNS = 3
MESSAGE_POSITION = 10  # the first message of turn 2 (turn 1 starts at position 2)
DAMAGED_EXIT = 3

Observe = Callable[[Path, str], tuple[Result, Any]]


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _list(work: Path, url: str) -> tuple[Result, Any]:
    result = _invoke("list", "--format", "json", "--store", url)
    return result, result.stdout


def _replay(work: Path, url: str) -> tuple[Result, Any]:
    out = work / "replayed"
    result = _invoke("replay", "--store", url, "-o", str(out))
    files = sorted((out / "transcripts").glob("*")) if (out / "transcripts").exists() else []
    return result, {path.name: path.read_bytes() for path in files}


def _project(work: Path, url: str) -> tuple[Result, Any]:
    database = work / "analysis.duckdb"
    result = _invoke("project", str(database), "--store", url, "-q", "--workers", "1")
    if result.exit_code != 0:
        return result, None
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT turn, agent, text, tokens_out FROM messages ORDER BY position"
        ).fetchall()
        rows += connection.execute("SELECT turn, convergence FROM turns ORDER BY turn").fetchall()
    return result, rows


def _verify(work: Path, url: str) -> tuple[Result, Any]:
    result = _invoke("log", "verify", "--store", url)
    return result, result.exit_code


def _export(work: Path, url: str) -> tuple[Result, Any]:
    result = _invoke("log", "export", "--store", url)
    return result, result.stdout_bytes


def _copy_to(work: Path, url: str) -> tuple[Result, Any]:
    target = sqlite_url(work, "copy.db")
    result = _invoke("log", "copy", "--store", url, "--to", target)
    return result, _export(work, target)[1] if result.exit_code == 0 else None


READERS: dict[str, Observe] = {
    "list": _list,
    "replay": _replay,
    "project": _project,
    "log export": _export,
    "log copy": _copy_to,
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite and one JSONL store, each holding the same kind of 3-turn chat."""
    root = tmp_path_factory.mktemp("recorded")
    for url in (sqlite_url(root), jsonl_url(root)):
        result = _invoke(
            "chat", "-a", "local:test", "-b", "local:test", "-t", str(TURNS), "-q",
            "--store", url, "-o", str(root / "out"),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return root


def _copy(recorded: Path, work: Path, kind: str) -> tuple[str, Path]:
    if kind == "sqlite":
        shutil.copy(recorded / "events.db", work / "events.db")
        return sqlite_url(work), work / "events.db"
    shutil.copytree(recorded / "log", work / "log")
    return jsonl_url(work), work / "log"


def _damage(kind: str, where: Path, case: str) -> None:
    file = where if kind == "sqlite" else where / "events.jsonl"
    name, _, argument = case.partition(" #")
    if name in damage.STATE_EDITS:
        edit = damage.STATE_EDITS[name]
        if kind == "sqlite":
            damage.edit_sqlite(where, MESSAGE_POSITION, edit)
        else:
            damage.edit_jsonl(where, MESSAGE_POSITION, edit)
    elif name == "flipped file bytes":
        damage.flip_file_bytes(file, seed=int(argument), count=1 + int(argument) % 5)
    elif name == "truncated":
        damage.truncate_file(file, int(argument) / 100)
    elif name == "last newline lost":
        damage.truncate_file(file, (file.stat().st_size - 1) / file.stat().st_size)
    else:
        raise AssertionError(case)


CASES = [
    *damage.STATE_EDITS,
    *(f"flipped file bytes #{seed}" for seed in range(1, 7)),
    *(f"truncated #{percent}" for percent in (40, 75, 97)),
    "last newline lost",
]
RECOVERED = "recovered"
"""A documented recovery: a JSONL store's unfinished tail is ignored, with a warning."""


def _outcome(result: Result, seen: Any, clean: Any) -> str:
    """'error' (one line, exit 3), 'same' (exit 0, the clean output), or what went wrong."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"traceback: {type(result.exception).__name__}: {result.exception}"
    if result.exit_code == 0:
        if seen == clean:
            return "same"
        return RECOVERED if "unfinished write" in result.output else "silently different"
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    if result.exit_code != DAMAGED_EXIT or len(errors) != 1:
        return f"exit {result.exit_code}: {result.output[-300:]}"
    return "error"


@pytest.mark.parametrize("kind", ["sqlite", "jsonl"])
@pytest.mark.parametrize("case", CASES)
def test_a_damaged_event_is_one_line_naming_store_and_position_or_the_same_output(
    recorded: Path, tmp_path: Path, kind: str, case: str
) -> None:
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    clean_url, _ = _copy(recorded, clean_dir, kind)
    damaged_dir = tmp_path / "damaged"
    damaged_dir.mkdir()
    url, where = _copy(recorded, damaged_dir, kind)
    _damage(kind, where, case)
    outcomes = {}
    for name, observe in READERS.items():
        work = tmp_path / name
        (work / "clean").mkdir(parents=True)
        (work / "damaged").mkdir()
        _, clean = observe(work / "clean", clean_url)
        result, seen = observe(work / "damaged", url)
        outcomes[name] = _outcome(result, seen, clean)
        if outcomes[name] == "error":
            assert str(damaged_dir) in result.output, (name, result.output)  # the store
        if outcomes[name] == "error" and case in damage.STATE_EDITS:
            # A JSONL line that is not JSON at all is named by its line (= its position).
            place = (f"position {MESSAGE_POSITION}", f"line {MESSAGE_POSITION}:")
            assert any(p in result.output for p in place), (name, result.output)
    verify, _ = _verify(tmp_path, url)
    assert all(o in ("error", "same", RECOVERED) for o in outcomes.values()), outcomes
    assert "Traceback" not in verify.output
    assert verify.exception is None or isinstance(verify.exception, SystemExit)
    if set(outcomes.values()) == {"same"}:
        return  # e.g. bytes flipped in free space, or only the last newline lost
    if RECOVERED in outcomes.values():
        assert verify.exit_code == 0 and "unfinished write" in verify.output, verify.output
        return
    assert verify.exit_code in (1, DAMAGED_EXIT), verify.output
