"""``pidgin chat --resume ID``: continue one conversation from the log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pidgin.cli.common import store_url

ALLOWED_WITH_RESUME = {"resume_id", "quiet", "store", "output", "yes", "delay"}
CHANGEABLE_ON_RESUME = {
    "convergence_threshold",
    "convergence_action",
    "max_cost",
    "max_total_tokens",
}


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE


def _new_or(ctx: click.Context, name: str, recorded: Any) -> Any:
    """The value given on the command line, else the one the log has."""
    return ctx.params[name] if _given(ctx, name) else recorded


def resume_chat(
    ctx: click.Context,
    reference: str,
    *,
    quiet: bool,
    store: str | None,
    output: Path,
    delay: float = 0.0,
) -> None:
    """Rebuild the conversation from its events and run it to its end.

    A conversation that has ended is left alone (and says so); one another process is
    running makes this one stop at its first write, before any provider is called. The
    convergence threshold and action may be changed (a recorded decision), so that a
    conversation paused on convergence need not pause again at the next turn; so may the
    budget (BudgetSet), which counts what was spent before.
    """
    from eventlog import ConcurrencyConflictError, open_store, parse_store_url
    from pidgin.agents_setup import providers_for
    from pidgin.cli.run_conversation import run_in_terminal, write_outputs
    from pidgin.cli.terminal_output import terminal_console
    from projections.catalog import list_conversations, match_conversations

    given = [
        name
        for name in ctx.params
        if name not in ALLOWED_WITH_RESUME | CHANGEABLE_ON_RESUME and _given(ctx, name)
    ]
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{names} cannot be changed when resuming; the log has them")
    url = parse_store_url(store_url(store, output))
    console = terminal_console()
    with open_store(url, create=False) as log:
        (conversation_id,) = match_conversations(list_conversations(log), [reference])
        conversation = log.load(conversation_id)
        if conversation.is_ended:
            click.echo(
                f"Conversation {conversation_id} has already ended ({conversation.end_reason}, "
                f"{conversation.completed_turns} turns); nothing to resume."
            )
            return
        if any(_given(ctx, name) for name in CHANGEABLE_ON_RESUME):
            conversation.change_convergence(
                _new_or(ctx, "convergence_threshold", conversation.convergence_threshold),
                _new_or(ctx, "convergence_action", conversation.convergence_action),
            )
        if _given(ctx, "max_cost") or _given(ctx, "max_total_tokens"):
            conversation.set_budget(
                _new_or(ctx, "max_cost", conversation.max_cost_usd),
                _new_or(ctx, "max_total_tokens", conversation.max_total_tokens),
            )
        providers, pacing = providers_for(conversation.agents)
        try:
            code = run_in_terminal(
                log,
                conversation,
                providers,
                pacing,
                console=console,
                quiet=quiet,
                resuming=True,
                delay=delay,
            )
        except ConcurrencyConflictError:
            raise click.ClickException(
                f"conversation {conversation_id} is being continued by another process"
            ) from None
        write_outputs(console, log, conversation, output, url.redacted)
    if code:
        sys.exit(code)
