"""Standard output that a closed reader cannot take the recording down with.

``pidgin chat … | head -3`` closes the pipe after three lines. The next write raises
BrokenPipeError, which would otherwise escape from the live view into the conductor and
cut the conversation off. The recording matters more than the view: from the first
failed write on, output goes to /dev/null, one line on stderr says so, and the run goes
on to write its events and transcripts.
"""

from __future__ import annotations

import io
import os
import sys
from typing import IO, TextIO, cast

from rich.console import Console

CLOSED_NOTE = "pidgin: the output was closed; the recording goes on without the live view.\n"


class PipeSafeOutput(io.TextIOBase):
    """Writes to ``stream`` (stdout) until its reader goes away, then nowhere."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._lost_reader()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._lost_reader()

    def isatty(self) -> bool:
        return not self.reader_gone and self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    def _lost_reader(self) -> None:
        self.reader_gone = True
        try:  # Later writes, the interpreter's last flush included, must not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        try:
            sys.stderr.write(CLOSED_NOTE)
            sys.stderr.flush()
        except OSError:
            pass


def terminal_console() -> Console:
    """A rich Console on standard output that survives a closed pipe."""
    return Console(file=cast(IO[str], PipeSafeOutput()))
