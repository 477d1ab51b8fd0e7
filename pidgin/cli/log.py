"""``pidgin log``: export, import, copy, verify and follow the event log itself."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from pidgin.cli.common import (
    DEFAULT_OUTPUT,
    FIRST_CHAT,
    UserError,
    output_option,
    store_is_missing,
    store_option,
    store_url,
)

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import Notification

    from eventlog import EventLog

T = TypeVar("T")

FIELDS_SHOWN = 110
"""Characters of an event's fields shown by ``pidgin log tail`` (the rest is cut)."""


@click.group("log")
def log_group() -> None:
    """Move, check and follow the event log: export, import, copy, verify, tail.

    Events move verbatim (type and fields exactly as recorded), so a store copied to
    another replays to byte-identical transcripts.
    """


@log_group.command("export")
@click.option(
    "-c",
    "--conversation",
    "conversations",
    multiple=True,
    metavar="ID",
    help="Only this conversation (full id or unique prefix); may be repeated.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output.",
)
@store_option
def export_command(conversations: tuple[str, ...], out: Path | None, store: str | None) -> None:
    """Write events as JSON lines, one event per line, oldest first."""
    from eventlog import open_store
    from eventlog.transfer import write_export
    from projections.catalog import match_conversations, started_ids

    url = store_url(store, DEFAULT_OUTPUT)
    with open_store(url, create=False) as log:
        ids = []
        if conversations:
            ids = match_conversations(started_ids(log), list(conversations))
        if out is None:
            try:
                count = write_export(log, sys.stdout.buffer, ids)
                sys.stdout.buffer.flush()
            except BrokenPipeError:  # the reader (e.g. `head`) has had enough: not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
        else:
            count = _export_to_file(log, out, ids)
    click.echo(f"Exported {count} events from {log.url}", err=True)


def _export_to_file(log: EventLog, out: Path, ids: Sequence[UUID]) -> int:
    """Write beside ``out`` and rename at the end, so a failure leaves no half file."""
    from eventlog.transfer import write_export

    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("wb") as handle:
            count = write_export(log, handle, ids)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UserError(f"cannot write {out}: {error.strerror or error}") from None
    return count


@log_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@store_option
@output_option
def import_command(file: Path, store: str | None, output: Path) -> None:
    """Append the events of FILE (from `pidgin log export`) to the store.

    Idempotent: events already in the store are skipped, so importing the same file twice
    adds nothing. The whole file is checked before anything is written.
    """
    from eventlog import open_store
    from eventlog.transfer import check_export, import_file

    if not file.is_file():
        raise UserError(f"{file}: no such file")
    index = check_export(file)
    with open_store(store_url(store, output)) as log:
        result = _persisting(lambda: import_file(log, file, index), log)
        if result.added == 0:
            click.echo(
                f"Nothing to import: all {result.present} events of {file} are already in {log.url}"
            )
        else:
            click.echo(
                f"Imported {result.added} events into {log.url} "
                f"({result.present} were already there)"
            )


@log_group.command("copy")
@click.option("--to", "target", required=True, metavar="URL", help="The store to copy into.")
@store_option
@output_option
def copy_command(target: str, store: str | None, output: Path) -> None:
    """Copy every event of the store to another store, in order.

    Events the target already has are skipped, so an interrupted copy can be re-run.
    """
    from rich.console import Console
    from rich.progress import Progress

    from eventlog import open_store, parse_store_url
    from eventlog.transfer import copy_store

    source_url = parse_store_url(store_url(store, output))
    target_url = parse_store_url(target)
    if source_url == target_url:
        raise UserError(f"--to names the store being copied ({source_url})")
    with open_store(source_url, create=False) as source, open_store(target_url) as dest:
        total = source.max_position()
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("Copying events", total=total)
            result = _persisting(
                lambda: copy_store(source, dest, lambda n: progress.advance(task, n)), dest
            )
    click.echo(
        f"Copied {result.added} events from {source_url} to {target_url} "
        f"({result.present} were already there)"
    )


@log_group.command("verify")
@store_option
@output_option
def verify_command(store: str | None, output: Path) -> None:
    """Check the store: every event is a valid event of its type and matches its
    checksum, positions increase, versions are contiguous.

    Reads only: a JSONL store's unfinished tail is reported, not moved. Prints a
    summary; exits 1 naming each problem found.
    """
    from eventlog import StoreCorruptError, open_store
    from eventlog.verify import verify_store

    url = store_url(store, output)
    try:
        with open_store(url, create=False) as log:
            for notice in log.notices:
                click.echo(f"notice: {notice}")
            report = verify_store(log)
    except StoreCorruptError as error:
        click.echo(f"problem: {error}")
        click.echo("Verify failed: the store cannot be read past that point")
        sys.exit(1)
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    if report.problem_count > len(report.problems):
        click.echo(f"... and {report.problem_count - len(report.problems)} more problems")
    span = (
        f"positions {report.first_position}..{report.last_position}" if report.events else "empty"
    )
    if report.without_checksum:
        click.echo(
            f"{report.without_checksum} of {report.events} events carry no checksum "
            "(written before checksums): their fields were checked, not their bytes"
        )
    verdict = "OK" if report.ok else f"{report.problem_count} problems"
    click.echo(
        f"{report.events} events, {report.aggregates} conversations, {span} in {log.url}: {verdict}"
    )
    if not report.ok:
        sys.exit(1)


@log_group.command("tail")
@click.argument("conversation", required=False, metavar="[ID]")
@click.option(
    "-n",
    "--lines",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Show this many of the latest events before following.",
)
@click.option("--json", "as_json", is_flag=True, help="Print each event as its full JSON line.")
@store_option
@output_option
def tail_command(
    conversation: str | None, lines: int, as_json: bool, store: str | None, output: Path
) -> None:
    """Follow new events as they are appended, one a line (Ctrl+C to stop).

    With ID (a conversation id or prefix), only that conversation's events.
    PostgreSQL pushes new events (LISTEN/NOTIFY); SQLite and JSONL are polled.
    """
    from eventlog import open_store
    from eventlog.follow import follow
    from projections.catalog import match_conversations, started_ids

    url = store_url(store, output)
    if store_is_missing(url):
        raise UserError(f"no store at {url} yet — run `{FIRST_CHAT}` to record a conversation")
    prefix = None
    with open_store(url, create=False) as log:
        if conversation:
            (chosen,) = match_conversations(started_ids(log), [conversation])
            prefix = str(chosen)
        after = max(0, log.max_position() - lines)
        try:
            for notification in follow(log, after):
                if prefix and not str(notification.originator_id).startswith(prefix):
                    continue
                click.echo(_json_line(notification) if as_json else _human_line(notification))
        except KeyboardInterrupt:
            pass


def _json_line(notification: Notification) -> str:
    from eventlog.transfer import export_lines

    return next(export_lines([notification])).decode().rstrip("\n")


def _human_line(notification: Notification) -> str:
    """Position, time, conversation, version, event type and the start of its fields."""
    from eventlog.codec import decode_json, encode_json

    try:
        fields = decode_json(notification.state)
    except Exception:  # state that is not JSON (encrypted): show the type only
        fields = {}
    timestamp = str(fields.pop("timestamp", "")) if isinstance(fields, dict) else ""
    if isinstance(fields, dict):
        fields.pop("originator_topic", None)
        fields.pop("_checksum", None)
    shown = encode_json(fields).decode()
    if len(shown) > FIELDS_SHOWN:
        shown = shown[: FIELDS_SHOWN - 1] + "…"
    type_name = notification.topic.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
    return (
        f"{notification.id:>7}  {timestamp[:23]:<23}  {str(notification.originator_id)[:8]}  "
        f"v{notification.originator_version:<4} {type_name:<22} {shown}"
    )


def _persisting(work: Callable[[], T], log: EventLog) -> T:
    """Run ``work``, turning a store's write failure into a one-line error."""
    from eventsourcing.persistence import PersistenceError

    try:
        return work()
    except PersistenceError as error:
        raise UserError(f"cannot write to {log.url}: {error}") from None
