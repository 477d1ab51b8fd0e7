"""Shared fixtures: run the real CLI in-process or as a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pidgin.cli import cli


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh current directory, with PIDGIN_STORE unset so defaults apply."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIDGIN_STORE", raising=False)
    return tmp_path


@pytest.fixture
def run_cli(workdir: Path) -> Callable[..., Result]:
    """Invoke ``pidgin ARGS`` in-process and return click's result."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return run


def pidgin_process(
    *args: str, cwd: Path, extra_env: dict[str, str] | None = None, **popen: object
) -> subprocess.Popen[str]:
    """Start ``python -m pidgin ARGS`` as a separate process (for kill and signal tests)."""
    env = {k: v for k, v in os.environ.items() if k != "PIDGIN_STORE"}
    env.update(extra_env or {})
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "pidgin", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def run_pidgin(
    *args: str, cwd: Path, timeout: float = 120, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pidgin ARGS`` to completion in a separate process."""
    process = pidgin_process(*args, cwd=cwd, extra_env=extra_env)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
