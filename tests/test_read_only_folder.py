"""A log on read-only media (an archive, a mounted dataset) can be read by every command
that only reads; only commands that write need the folder writable, and none of the
readers changes a byte or a modification time in it.

The folder is made read-only with a read-only bind mount in a private mount namespace
(``unshare -rm``), which stops root too; without user namespaces, a non-root user's
``chmod`` does the same. Root without either cannot be stopped from writing: skipped.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_pidgin
from tests.test_cli_errors import assert_one_line_error

Runner = Callable[..., subprocess.CompletedProcess[str]]


def _unshare_works(folder: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    quoted = shlex.quote(str(folder))
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount --bind {quoted} {quoted}"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` (itself included) with its size and mtime."""
    paths = [folder, *sorted(folder.rglob("*"))]
    return {str(p): (p.stat().st_size if p.is_file() else 0, p.stat().st_mtime_ns) for p in paths}


@pytest.fixture
def read_only(tmp_path: Path) -> Runner:
    """Run ``pidgin ARGS`` in tmp_path with tmp_path/pidgin_output read-only."""
    folder = tmp_path / "pidgin_output"
    env = {k: v for k, v in os.environ.items() if k != "PIDGIN_STORE"}
    if _unshare_works(tmp_path):

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            quoted = shlex.quote(str(folder))
            command = shlex.join([sys.executable, "-m", "pidgin", *args])
            script = (
                f"mount --bind {quoted} {quoted} && "
                f"mount -o remount,bind,ro {quoted} {quoted} && exec {command}"
            )
            return subprocess.run(
                ["unshare", "-rm", "sh", "-c", script],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        return run
    if os.geteuid() == 0:
        pytest.skip("root without user namespaces: nothing here can make a folder read-only")

    def run_chmod(*args: str) -> subprocess.CompletedProcess[str]:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
        for path in modes:
            path.chmod(0o555)
        try:
            return run_pidgin(*args, cwd=tmp_path)
        finally:
            for path, mode in modes.items():
                path.chmod(mode)

    return run_chmod


@pytest.mark.parametrize("kind", ["sqlite", "jsonl"])
def test_reading_commands_work_on_a_read_only_folder_and_change_nothing(
    tmp_path: Path, read_only: Runner, kind: str
) -> None:
    folder = tmp_path / "pidgin_output"
    url = f"sqlite:///{folder}/events.db" if kind == "sqlite" else f"jsonl:///{folder}/log"
    store = ["--store", url]
    assert run_pidgin("chat", "-q", "-t", "2", *store, cwd=tmp_path).returncode == 0
    before = _snapshot(folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    commands = [
        ["list"],
        ["search", "the"],
        ["replay", "--check"],
        ["log", "verify"],
        ["log", "export", "-o", f"{elsewhere}/x.jsonl"],
        ["project", f"{elsewhere}/a.duckdb", "--no-metrics", "-q"],
    ]
    for command in commands:
        result = read_only(*command, *store)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert "1 conversation" in read_only("list", *store).stdout
    assert (elsewhere / "x.jsonl").stat().st_size > 0 and (elsewhere / "a.duckdb").is_file()
    assert _snapshot(folder) == before
    # A command that writes says why it cannot, in one line.
    assert_one_line_error(read_only("chat", "-q", "-t", "1", *store), "not writable")
    assert _snapshot(folder) == before
