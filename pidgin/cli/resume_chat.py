"""``pidgin chat --resume ID``: continue one conversation from the log."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pidgin.cli.common import store_url

ALLOWED_WITH_RESUME = {"resume_id", "quiet", "store", "output", "yes"}


def resume_chat(
    ctx: click.Context, reference: str, *, quiet: bool, store: str | None, output: Path
) -> None:
    """Rebuild the conversation from its events and run it to its end.

    A conversation that has ended is left alone (and says so); one another process is
    running makes this one stop at its first write, before any provider is called.
    """
    from rich.console import Console

    from eventlog import ConcurrencyConflictError, open_store, parse_store_url
    from pidgin.agents_setup import providers_for
    from pidgin.cli.run_conversation import run_in_terminal, write_outputs
    from projections.catalog import list_conversations, match_conversations

    given = [
        name
        for name in ctx.params
        if name not in ALLOWED_WITH_RESUME
        and ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
    ]
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{names} cannot be changed when resuming; the log has them")
    url = parse_store_url(store_url(store, output))
    console = Console()
    with open_store(url, create=False) as log:
        (conversation_id,) = match_conversations(list_conversations(log), [reference])
        conversation = log.load(conversation_id)
        if conversation.is_ended:
            click.echo(
                f"Conversation {conversation_id} has already ended ({conversation.end_reason}, "
                f"{conversation.completed_turns} turns); nothing to resume."
            )
            return
        providers, pacing = providers_for(conversation.agents)
        try:
            code = run_in_terminal(
                log, conversation, providers, pacing, console=console, quiet=quiet
            )
        except ConcurrencyConflictError:
            raise click.ClickException(
                f"conversation {conversation_id} is being continued by another process"
            ) from None
        write_outputs(console, log, conversation, output, url.redacted)
    if code:
        sys.exit(code)
