"""``pidgin replay``: rebuild transcripts from the log alone."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pidgin.cli.common import ensure_writable_directory, output_option, store_option, store_url


@click.command()
@click.argument("conversation_ids", nargs=-1, metavar="[ID]...")
@click.option(
    "--check",
    is_flag=True,
    help="Rebuild in memory and compare with the files on disk; exit 1 and name "
    "every file that differs or is missing. Writes nothing.",
)
@store_option
@output_option
def replay(conversation_ids: tuple[str, ...], check: bool, store: str | None, output: Path) -> None:
    """Rebuild the Markdown and JSON transcripts of every conversation (or those named).

    IDs may be full conversation ids or unique prefixes. The rebuild reads only the
    event log, so deleting OUTPUT/transcripts/ and replaying gives identical files.
    """
    from eventlog import open_store
    from projections.catalog import match_conversations, started_ids
    from projections.transcripts import differing_files, rebuild_transcripts, write_files

    transcripts = output / "transcripts"
    with open_store(store_url(store, output), create=False) as log:
        only = None
        if conversation_ids:
            only = match_conversations(started_ids(log), list(conversation_ids))
        files = rebuild_transcripts(log, only)
    if check:
        different = differing_files(files, transcripts)
        for path in different:
            click.echo(f"{'differs' if path.exists() else 'missing'}: {path}")
        click.echo(f"{len(files) - len(different)} of {len(files)} transcript files match the log")
        if different:
            sys.exit(1)
        return
    ensure_writable_directory(transcripts)
    write_files(files, transcripts)
    click.echo(f"Rebuilt {len(files) // 2} conversations ({len(files)} files) in {transcripts}")
