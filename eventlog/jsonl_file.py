"""One append-only JSON-lines file, shared safely by threads and processes.

A plain ``open(path, "a")`` gives none of what an event log needs, so this module adds:

* transactions: the lines of one append appear together or not at all. Each line carries
  ``rest``, the number of lines of its transaction still to come (omitted on the last line),
  so a reader knows where a transaction ends without any other file;
* durability: an append returns only after ``fdatasync``;
* mutual exclusion: appends hold an exclusive ``flock`` on the file, so several processes can
  append without losing or interleaving lines; readers need no lock, because they only ever
  consume whole transactions;
* crash recovery: bytes after the last complete transaction (a torn line, or the first lines
  of a transaction whose end never reached the disk) were never acknowledged. Readers
  ignore them (and say so); the next *writer* copies them to ``NAME.torn-OFFSET`` beside
  the file, reports that, and cuts them off; the complete lines before them are not
  touched. A read never changes the file. A last line that is whole but lost its
  newline ends a complete transaction: it is kept, and the next writer adds the newline.

What a line *means* is up to the caller (:mod:`eventlog.jsonl_recorders`): it gets every line of
every complete transaction, in order, through ``on_line``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import msgspec

from eventlog.errors import StoreCorruptError, StoreUnavailableError
from eventlog.jsonl_lines import EventLine, Line, SkipLine, TrackingLine

logger = logging.getLogger("eventlog")

READ_CHUNK = 8 * 1024 * 1024
OnLine = Callable[[Line, int, int, int], None]
"""Called with (line, start offset, end offset, 1-based line number) for committed lines."""

_line_decoder = msgspec.json.Decoder(Line)
_encoder = msgspec.json.Encoder()


class JsonlFile:
    """An append-only file of transactions of JSON lines; see the module docstring."""

    def __init__(self, path: Path, on_line: OnLine, *, create: bool = True) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.notices: list[str] = []
        self._on_line = on_line
        self._end = 0  # offset just after the last complete transaction read
        self._lines = 0  # number of lines up to there
        self._unterminated = False  # the last complete line has no newline (yet)
        existed = path.exists()
        # A log on read-only media is read as it is: no lock, no repair, no appends.
        self.read_only = existed and not create and not _writable(path)
        flags = os.O_CLOEXEC | (os.O_RDONLY if self.read_only else os.O_RDWR | os.O_APPEND)
        if create:
            flags |= os.O_CREAT
        try:
            self._fd: int | None = os.open(path, flags, 0o644)
        except OSError as error:
            raise StoreUnavailableError(f"cannot open {path}: {error.strerror}") from None
        if not existed:
            _fsync_directory(path.parent)
        self.catch_up(repair=False)  # opening never writes: only a writer repairs
        self._note_unfinished_tail()

    # -- locking ----------------------------------------------------------------------------

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the thread lock and the cross-process file lock (blocking until both)."""
        with self.lock:
            fd = self._require_open()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    # -- reading ----------------------------------------------------------------------------

    def catch_up(self, *, repair: bool) -> None:
        """Hand every newly committed line to ``on_line``.

        With ``repair`` (only under :meth:`exclusive`, when no writer can be mid-append),
        bytes after the last complete transaction are set aside; without it they are left
        alone, since another process may still be writing them.
        """
        with self.lock:
            fd = self._require_open()
            size = os.fstat(fd).st_size
            if size < self._end:
                raise StoreCorruptError(
                    f"{self.path} shrank from {self._end} to {size} bytes while open; "
                    "complete lines were removed by something other than Pidgin"
                )
            if size == self._end:
                return
            self._consume(fd, size)
            if repair and self._end < size and not self.read_only:
                self._set_aside(fd, size)

    def _note_unfinished_tail(self) -> None:
        """Say so when the file ends in an unfinished write that no writer is making."""
        fd = self._require_open()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a writer is appending right now: its tail is not unfinished
        try:
            size = os.fstat(fd).st_size
            self.catch_up(repair=False)
            if self._end < size:
                notice = (
                    f"{self.path}: ignoring {size - self._end} bytes of an unfinished "
                    f"write after line {self._lines} (the next writer sets them aside)"
                )
                self.notices.append(notice)
                logger.warning(notice)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def torn_files(self) -> list[Path]:
        """The unfinished tails set aside beside this file so far."""
        return sorted(self.path.parent.glob(f"{self.path.name}.torn-*"))

    def read_spans(self, spans: Sequence[tuple[int, int]]) -> list[bytes]:
        """The bytes of each (start, end) span; adjacent spans are read in one call."""
        fd = self._require_open()
        result: list[bytes] = []
        index = 0
        while index < len(spans):
            run_start, run_end = spans[index]
            last = index
            while last + 1 < len(spans) and spans[last + 1][0] == run_end:
                last += 1
                run_end = spans[last][1]
            block = os.pread(fd, run_end - run_start, run_start)
            for start, end in spans[index : last + 1]:
                result.append(block[start - run_start : end - run_start])
            index = last + 1
        return result

    def corrupt(self, line_number: int, reason: str) -> StoreCorruptError:
        """The one-line error for a bad line, naming the file and the line."""
        return StoreCorruptError(f"{self.path}, line {line_number}: {reason}")

    # -- writing ----------------------------------------------------------------------------

    def append(self, lines: Sequence[EventLine | TrackingLine | SkipLine]) -> None:
        """Write ``lines`` as one transaction and return once they are on disk.

        Call under :meth:`exclusive`, after ``catch_up(repair=True)``, so the file ends
        exactly where the last complete transaction ends.
        """
        if not lines:
            return
        if self.read_only:
            raise StoreUnavailableError(f"cannot append to {self.path}: its folder is read-only")
        fd = self._require_open()
        count = len(lines)
        for index, line in enumerate(lines):
            line.rest = count - 1 - index
        data = b"".join([_encoder.encode(line) + b"\n" for line in lines])
        if self._unterminated:
            data = b"\n" + data  # the last line was whole but lost its newline
        start = self._end
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fdatasync(fd)
        except OSError as error:
            # Leave no partial transaction behind for the next reader to trip over.
            with suppress(OSError):
                os.ftruncate(fd, start)
            raise StoreUnavailableError(f"cannot append to {self.path}: {error.strerror}") from None
        self.catch_up(repair=False)

    def close(self) -> None:
        with self.lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            with suppress(OSError):
                os.close(fd)

    # -- internals --------------------------------------------------------------------------

    def _require_open(self) -> int:
        if self._fd is None:
            raise StoreUnavailableError(f"{self.path} is closed")
        return self._fd

    def _consume(self, fd: int, size: int) -> None:
        """Read from the end of the last transaction to ``size``; apply complete ones."""
        if self._unterminated:
            if os.pread(fd, 1, self._end) != b"\n":
                raise self.corrupt(self._lines + 1, "appended to a line that has no newline")
            self._end += 1
            self._unterminated = False
        pending: list[tuple[Line, int, int, int]] = []
        buffer = b""
        buffer_start = self._end
        read_at = self._end
        line_number = self._lines
        while read_at < size:
            chunk = os.pread(fd, min(READ_CHUNK, size - read_at), read_at)
            if not chunk:
                break
            read_at += len(chunk)
            buffer = buffer + chunk if buffer else chunk
            cursor = 0
            while (newline := buffer.find(b"\n", cursor)) >= 0:
                line_number += 1
                start = buffer_start + cursor
                end = buffer_start + newline + 1
                line = self._decode(buffer[cursor:newline], line_number)
                if pending and line.rest != pending[-1][0].rest - 1:
                    raise self.corrupt(
                        line_number,
                        f"transaction framing broken (rest={line.rest} after "
                        f"rest={pending[-1][0].rest})",
                    )
                pending.append((line, start, end, line_number))
                if line.rest == 0:
                    for entry in pending:
                        self._on_line(*entry)
                    pending.clear()
                    self._end = end
                    self._lines = line_number
                cursor = newline + 1
            buffer = buffer[cursor:]
            buffer_start += cursor
        if buffer and read_at >= size:
            self._last_line_without_newline(buffer, buffer_start, pending, line_number)

    def _last_line_without_newline(
        self,
        raw: bytes,
        start: int,
        pending: list[tuple[Line, int, int, int]],
        line_number: int,
    ) -> None:
        """Keep a final line that lost only its newline, if it ends its transaction.

        A proper prefix of a JSON object line is never a whole JSON object, so a line
        that decodes is whole; if it is its transaction's last line (``rest`` 0, right
        after its predecessor), every event of that transaction is complete.
        """
        try:
            line = _line_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return  # a torn line: an unfinished write
        if line.rest != 0 or (pending and pending[-1][0].rest != 1):
            return
        end = start + len(raw)
        for entry in [*pending, (line, start, end, line_number + 1)]:
            self._on_line(*entry)
        self._end = end
        self._lines = line_number + 1
        self._unterminated = True

    def _decode(self, raw: bytes, line_number: int) -> Line:
        try:
            line = _line_decoder.decode(raw)
        except msgspec.ValidationError as error:
            raise self.corrupt(line_number, f"not a Pidgin event line ({error})") from None
        except msgspec.DecodeError as error:
            raise self.corrupt(line_number, f"not valid JSON ({error})") from None
        if line.rest < 0:
            raise self.corrupt(line_number, f"negative rest={line.rest}")
        return line

    def _set_aside(self, fd: int, size: int) -> None:
        """Move the bytes after the last complete transaction to a side file, then cut them."""
        tail = os.pread(fd, size - self._end, self._end)
        aside = self.path.with_name(f"{self.path.name}.torn-{self._end}")
        suffix = 1
        while aside.exists():
            suffix += 1
            aside = self.path.with_name(f"{self.path.name}.torn-{self._end}-{suffix}")
        aside_fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            os.write(aside_fd, tail)
            os.fsync(aside_fd)
        finally:
            os.close(aside_fd)
        os.ftruncate(fd, self._end)
        os.fsync(fd)
        _fsync_directory(self.path.parent)
        notice = (
            f"{self.path}: set aside {len(tail)} bytes of an unfinished write after line "
            f"{self._lines} as {aside.name}; every complete line is kept"
        )
        self.notices.append(notice)
        logger.warning(notice)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _fsync_directory(directory: Path) -> None:
    """Make a created or renamed entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
