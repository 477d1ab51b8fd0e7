"""What every command shares: the store and output options, and user-facing errors."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

DEFAULT_OUTPUT = Path("pidgin_output")
STORE_FILE = "events.db"
F = TypeVar("F", bound=Callable[..., Any])


class UserError(click.ClickException):
    """Bad input or an unusable environment: printed as one line, exit code 2."""

    exit_code = 2


class DamagedStoreError(UserError):
    """A store holding an event that cannot be read (named by store and position): exit 3."""

    exit_code = 3


def store_option(function: F) -> F:
    return click.option(
        "--store",
        envvar="PIDGIN_STORE",
        metavar="URL",
        help=(
            "Event store to use: sqlite:///PATH.db (default: OUTPUT/events.db), "
            "jsonl:///DIR or postgresql://USER:PASS@HOST:PORT/DB. Also read from PIDGIN_STORE."
        ),
    )(function)


def output_option(function: F) -> F:
    return click.option(
        "--output",
        "-o",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_OUTPUT,
        show_default=True,
        help="Directory for the default store and for transcripts and other outputs.",
    )(function)


def store_url(store: str | None, output: Path) -> str:
    """The URL of the store to open: ``--store`` if given, else OUTPUT/events.db."""
    if store:
        return store
    path = (output / STORE_FILE).absolute()
    return f"sqlite:///{str(path).lstrip('/')}"


def ensure_writable_directory(directory: Path) -> None:
    """Create ``directory`` if needed and prove it is writable, or raise :class:`UserError`."""
    if directory.exists() and not directory.is_dir():
        raise UserError(f"output directory {directory} is a file, not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(f"output directory {directory} is not writable: {reason}") from None
    if not os.access(directory, os.W_OK):
        raise UserError(f"output directory {directory} is not writable")


MAX_SHOWN_PATH = 80


def os_error_line(error: OSError) -> str:
    """An error of the operating system as one line, naming the file (cut if long)."""
    reason = error.strerror or str(error) or type(error).__name__
    name = error.filename
    if name is None:
        return reason
    shown = os.fsdecode(name)
    if len(shown) > MAX_SHOWN_PATH:
        shown = shown[: MAX_SHOWN_PATH // 2] + "..." + shown[-MAX_SHOWN_PATH // 2 :]
    return f"{shown}: {reason}"


FIRST_CHAT = "pidgin chat -a local:test -b local:test -t 5"
NO_CONVERSATIONS = f"No conversations yet — run `{FIRST_CHAT}` to record one."
NO_EXPERIMENTS = (
    "No experiments yet — run `pidgin experiment start -r 3 -t 5` (local:test) to start one."
)


def store_is_missing(url: str) -> bool:
    """True when a file store named by ``url`` has not been created yet (an empty folder).

    Listings then say there is nothing yet (exit 0) instead of failing.
    """
    from eventlog import parse_store_url

    parsed = parse_store_url(url)
    if parsed.path is None:
        return False
    if parsed.scheme == "jsonl":
        return not (parsed.path / "events.jsonl").is_file()
    return not parsed.path.exists()
