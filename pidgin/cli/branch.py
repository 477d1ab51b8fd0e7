"""``pidgin branch``: a new conversation that shares a recorded one's first N turns."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pidgin.cli.awareness_options import awareness_choices, awareness_options
from pidgin.cli.common import ensure_writable_directory, output_option, store_option, store_url
from pidgin.cli.types import TEMPERATURE, TURNS


@click.command()
@click.argument("reference", metavar="CONVERSATION_ID")
@click.option(
    "--turn",
    "branch_turn",
    type=click.IntRange(min=0),
    required=True,
    help="Keep the source's turns 1..N; the branch continues from there.",
)
@click.option("-a", "--agent-a", default=None, metavar="MODEL", help="Change agent A's model.")
@click.option("-b", "--agent-b", default=None, metavar="MODEL", help="Change agent B's model.")
@click.option(
    "--temperature",
    type=TEMPERATURE,
    default=None,
    help="Change both agents' temperature.",
)
@awareness_options
@click.option(
    "-t",
    "--turns",
    type=TURNS,
    default=None,
    help="Total turns of the branch, the shared ones included (default: the source's).",
)
@click.option("--name", default=None, help="A name for the branch.")
@click.option("-q", "--quiet", is_flag=True, help="No live view; print only the summary.")
@store_option
@output_option
def branch(
    reference: str,
    branch_turn: int,
    agent_a: str | None,
    agent_b: str | None,
    temperature: float | None,
    awareness: str | None,
    awareness_a: str | None,
    awareness_b: str | None,
    turns: int | None,
    name: str | None,
    quiet: bool,
    store: str | None,
    output: Path,
) -> None:
    """Start a conversation whose history is the source's first N turns, with the given
    changes. The branch records its parent and branch point; its transcript shows both.
    Exit codes as for `pidgin chat`.

    Example: pidgin branch 3f2a --turn 5 --temperature 1.2 -t 10
    """
    from eventlog import open_store, parse_store_url
    from pidgin.cli.run_conversation import run_in_terminal, write_outputs
    from pidgin.cli.terminal_output import terminal_console
    from pidgin.domain import Conversation
    from projections.catalog import list_conversations, match_conversations

    url = parse_store_url(store_url(store, output))
    ensure_writable_directory(output)
    console = terminal_console()
    with open_store(url, create=False) as log:
        (source_id,) = match_conversations(list_conversations(log), [reference])
        source: Conversation = log.load(source_id)
        if branch_turn > source.completed_turns:
            raise click.BadParameter(
                f"the source has {source.completed_turns} completed turns; "
                f"choose --turn 0..{source.completed_turns}",
                param_hint="'--turn'",
            )
        total = turns if turns is not None else source.max_turns
        if total <= branch_turn:
            raise click.BadParameter(
                f"the branch needs more than the {branch_turn} shared turns", param_hint="'-t'"
            )
        choices = awareness_choices(awareness, awareness_a, awareness_b)
        new = _start_branch(
            source, branch_turn, total, name, agent_a, agent_b, temperature, choices
        )
        _copy_turns(log, source, new, branch_turn)
        from pidgin.agents_setup import providers_for

        providers, pacing = providers_for(new.agents)
        code = run_in_terminal(log, new, providers, pacing, console=console, quiet=quiet)
        write_outputs(console, log, new, output, url.redacted)
    if code:
        sys.exit(code)


def _start_branch(
    source: Any,
    branch_turn: int,
    total: int,
    name: str | None,
    agent_a: str | None,
    agent_b: str | None,
    temperature: float | None,
    choices: Any,
) -> Any:
    """The branch's ConversationStarted: the source's settings with the requested changes."""
    import msgspec

    from pidgin.agents_setup import build_agents
    from pidgin.domain import Conversation

    old = source.agents
    agents = build_agents(
        agent_a or old["a"].model,
        agent_b or old["b"].model,
        None,
        confirm=click.confirm,
        temperatures={
            agent: temperature if temperature is not None else old[agent].temperature
            for agent in ("a", "b")
        },
        awareness=choices,
        max_tokens={agent: old[agent].max_tokens for agent in ("a", "b")},
    )
    specs = dict(agents.specs)
    injections = agents.injections
    if choices is None:  # Keep the source's own prompts and later injections.
        for agent in ("a", "b"):
            specs[agent] = msgspec.structs.replace(
                specs[agent], system_prompt=old[agent].system_prompt
            )
        injections = [i for i in source.planned_injections if i["turn"] > branch_turn]
    else:
        injections = [i for i in injections if i["turn"] > branch_turn]
    return Conversation.start(
        specs["a"],
        specs["b"],
        source.prompt,
        total,
        first_speaker=source.first_speaker,
        convergence_threshold=source.convergence_threshold,
        name=name or f"{source.name or 'conversation'} (branch at turn {branch_turn})",
        parent_conversation_id=str(source.id),
        branch_turn=branch_turn,
        injections=injections,
        convergence_profile=source.convergence_profile,
        convergence_weights=source.convergence_weights,
        convergence_action=source.convergence_action,
    )


def _copy_turns(log: Any, source: Any, new: Any, branch_turn: int) -> None:
    """Record the source's turns 1..N (messages, injections, convergence) in the branch."""
    from pidgin.domain import Conversation

    messages: dict[int, list[dict[str, Any]]] = {}
    injections: dict[int, list[dict[str, Any]]] = {}
    convergence: dict[int, float] = {}
    for event in log.aggregate_events(source.id):
        if isinstance(event, Conversation.MessageCompleted) and event.turn <= branch_turn:
            fields = ("agent", "turn", "text", "thinking", "tokens_in", "tokens_out")
            more: tuple[str, ...] = ("time_to_first_token", "duration", "stop_reason", "model")
            more += ("cache_read_tokens", "cache_write_tokens", "thinking_tokens")
            more += ("reported_cost_usd",)
            turn_messages = messages.setdefault(event.turn, [])
            turn_messages.append({key: getattr(event, key) for key in fields + more})
        elif isinstance(event, Conversation.SystemPromptInjected) and event.turn <= branch_turn:
            offset = len(messages.get(event.turn, []))
            injections.setdefault(event.turn, []).append(
                {
                    "agents": list(event.agents),
                    "text": event.text,
                    "source": event.source,
                    "offset": offset,
                }
            )
        elif isinstance(event, Conversation.TurnCompleted) and event.turn <= branch_turn:
            convergence[event.turn] = event.convergence
    for turn in range(1, branch_turn + 1):
        new.copy_turn(turn, messages[turn], convergence[turn], injections.get(turn, []))
