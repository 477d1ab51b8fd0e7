"""Running ``pidgin`` in a real terminal (tmux) of a fixed size and reading the screen
as a person would see it, line by line, wrapped by the terminal."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

from tests.experiments.lifecycle import wait_for

DONE = "__PIDGIN_EXIT="


class Tmux:
    """One private tmux server (``-L``) with one window of ``width`` x ``height``."""

    def __init__(self, width: int, height: int = 400) -> None:
        self.socket = f"pidgin-test-{uuid.uuid4().hex[:8]}"
        self.width, self.height = width, height

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        return result.stdout

    def run(self, cwd: Path, *args: str, timeout: float = 120) -> tuple[int, list[str]]:
        """Run ``pidgin ARGS`` in the terminal until it exits: its exit code and the screen
        (the scrollback included), one string per terminal row."""
        env = {
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "TERM": "xterm-256color",
        }
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "pidgin", *args])
        shell = f"cd {shlex.quote(str(cwd))} && env -i {exports} {command}; echo {DONE}$?; read x"
        self._tmux(
            "new-session", "-d", "-x", str(self.width), "-y", str(self.height), "sh", "-c", shell
        )
        try:
            wait_for(lambda: DONE in self.screen_text(), timeout=timeout, every=0.1)
            lines = self.screen()
        finally:
            self._tmux("kill-server")
        (done,) = [line for line in lines if line.startswith(DONE)]
        return int(done[len(DONE) :]), lines[: lines.index(done)]

    def screen(self) -> list[str]:
        return self._tmux("capture-pane", "-p", "-S", "-", "-E", "-").splitlines()

    def screen_text(self) -> str:
        return "\n".join(self.screen())
