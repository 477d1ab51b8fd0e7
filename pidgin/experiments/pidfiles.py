"""PID files that prove a runner is alive: each runner holds an exclusive lock on its own.

A file ``daemon-<pid>.pid`` under ``OUTPUT/experiments/<id>/`` is locked (flock) for as
long as its process lives; the kernel drops the lock when the process dies, even by
SIGKILL. So "is a runner alive?" is answered by trying the lock, which a stale file or a
reused PID cannot fool.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

EXPERIMENTS_DIR = "experiments"
LOG_FILE = "daemon.log"


def experiment_dir(output: Path, experiment_id: UUID) -> Path:
    return output / EXPERIMENTS_DIR / str(experiment_id)


def log_path(output: Path, experiment_id: UUID) -> Path:
    return experiment_dir(output, experiment_id) / LOG_FILE


class RunnerLock:
    """This process's PID file, locked until :meth:`release` or the process's death."""

    def __init__(self, directory: Path, handle: int | None = None) -> None:
        """Lock a new PID file for this process, or adopt ``handle``: the locked PID file a
        parent made for this process before starting it (see :func:`lock_for_child`)."""
        self.path = directory / f"daemon-{os.getpid()}.pid"
        if handle is None:
            handle = _locked_file(directory, os.getpid(), self.path)
        self._handle: int | None = handle

    def release(self) -> None:
        if self._handle is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._handle)
        self._handle = None

    def __enter__(self) -> RunnerLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _locked_file(directory: Path, pid: int, target: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=directory, prefix=".pid-")
    fcntl.flock(handle, fcntl.LOCK_EX)
    os.write(handle, f"{pid}\n".encode())
    os.replace(temp_name, target)  # Appears already locked: no reader sees it unlocked.
    return handle


def lock_for_child(directory: Path) -> tuple[int, Callable[[int], None]]:
    """A locked, still unnamed PID file to hand to a child process (``pass_fds``).

    Returns the handle and a function to call with the child's PID once it is started:
    it names the file after the child and closes the parent's copy, so the lock lives
    exactly as long as the child. ``status`` shows the experiment running at once.
    """
    directory.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=directory, prefix=".pid-")
    fcntl.flock(handle, fcntl.LOCK_EX)

    def name_after(pid: int) -> None:
        os.write(handle, f"{pid}\n".encode())
        os.replace(temp_name, directory / f"daemon-{pid}.pid")
        os.close(handle)

    return handle, name_after


def live_runners(directory: Path) -> list[int]:
    """PIDs of the runners whose PID files are still locked; stale files are removed."""
    alive: list[int] = []
    for path in sorted(directory.glob("daemon-*.pid")):
        try:
            handle = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(path)
            if pid is not None:
                alive.append(pid)
        else:
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_ino == os.fstat(handle).st_ino:
                    path.unlink()  # Nobody holds it: its process is gone.
        finally:
            os.close(handle)
    return alive


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None
