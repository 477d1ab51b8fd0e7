"""``pidgin chat``: record one conversation between two models."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pidgin.cli.awareness_options import awareness_choices, awareness_options
from pidgin.cli.common import ensure_writable_directory, output_option, store_option, store_url
from pidgin.cli.conversation_options import agent_options, per_agent
from pidgin.cli.provider_options import provider_options
from pidgin.cli.stop_options import stop_options
from pidgin.cli.types import SEED, TEMPERATURE, THRESHOLD, TURNS, FiniteFloat

DEFAULT_PROMPT = "Hello! What would you like to talk about?"


@click.command()
@click.option(
    "-a",
    "--agent-a",
    default="local:test",
    show_default=True,
    metavar="MODEL",
    help="Model for agent A: provider:model or an alias (e.g. local:test).",
)
@click.option(
    "-b",
    "--agent-b",
    default="local:test",
    show_default=True,
    metavar="MODEL",
    help="Model for agent B.",
)
@click.option(
    "-p",
    "--prompt",
    default=DEFAULT_PROMPT,
    show_default=True,
    help="The opening prompt both agents start from.",
)
@click.option(
    "-t",
    "--turns",
    type=TURNS,
    default=10,
    show_default=True,
    help="Number of turns; in each turn both agents speak once.",
)
@click.option(
    "--temperature",
    type=TEMPERATURE,
    default=None,
    help="Sampling temperature for both agents (default: the provider's own).",
)
@agent_options
@click.option(
    "--first-speaker",
    type=click.Choice(["a", "b"]),
    default="a",
    show_default=True,
    help="Which agent speaks first in every turn.",
)
@click.option("--name", default=None, help="A name for the conversation, shown in transcripts.")
@click.option(
    "--seed",
    type=SEED,
    default=None,
    help="Recorded, and given to models that sample from a seed (local models, OpenAI, "
    "Gemini, Ollama): the same seed, prompt and settings give local models the same replies.",
)
@click.option(
    "--convergence-threshold",
    type=THRESHOLD,
    default=None,
    help="Act (see --convergence-action) once a turn's convergence reaches this value. "
    "Off by default.",
)
@click.option(
    "--convergence-action",
    type=click.Choice(["stop", "pause", "notify"]),
    default="stop",
    show_default=True,
    help="At the threshold: stop (end with high_convergence), pause (resumable) or notify "
    "(record it, show it and go on). Each action is recorded in an event.",
)
@click.option(
    "--convergence-profile",
    default="balanced",
    show_default=True,
    metavar="PROFILE|WEIGHTS",
    help="Convergence weights: balanced, structural, semantic, strict, or custom weights "
    "summing to 1, e.g. content=0.5,structure=0.2,sentences=0.1,length=0.1,punctuation=0.1.",
)
@stop_options(actions=("stop", "pause"))
@provider_options
@click.option("-q", "--quiet", is_flag=True, help="No live view; print only the summary.")
@click.option(
    "--delay",
    type=FiniteFloat(0.0, 3600.0),
    default=0.0,
    metavar="SECONDS",
    help="Wait this long after each message in the live view, a pace a demo can follow "
    "(local:test is fast). The recorded messages are the same.",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Server for openai-compatible:MODEL agents (vLLM, llama.cpp, Ollama's /v1 ...).",
)
@click.option("-y", "--yes", is_flag=True, help="Pull a missing Ollama model without asking.")
@awareness_options
@click.option(
    "--choose-names",
    is_flag=True,
    help="Ask each agent to pick a name for itself at the start (recorded, then shown).",
)
@click.option(
    "--resume",
    "resume_id",
    default=None,
    metavar="CONVERSATION_ID",
    help="Continue a paused or cut-off conversation from its last completed message "
    "(full id or unique prefix). Only --convergence-threshold, --convergence-action, "
    "--max-cost and --max-total-tokens "
    "may then be given: a change is recorded and applies from the next turn.",
)
@store_option
@output_option
@click.pass_context
def chat(
    ctx: click.Context,
    agent_a: str,
    agent_b: str,
    prompt: str,
    turns: int,
    temperature: float | None,
    temperature_a: float | None,
    temperature_b: float | None,
    max_tokens: int | None,
    max_tokens_a: int | None,
    max_tokens_b: int | None,
    first_speaker: str,
    name: str | None,
    seed: int | None,
    convergence_threshold: float | None,
    convergence_action: str,
    convergence_profile: str,
    stop_on: tuple[str, ...],
    stop_on_pattern: tuple[str, ...],
    stop_action: str,
    max_cost: float | None,
    max_total_tokens: int | None,
    no_cache: bool,
    think_a: str | None,
    think_b: str | None,
    quiet: bool,
    delay: float,
    base_url: str | None,
    yes: bool,
    awareness: str | None,
    awareness_a: str | None,
    awareness_b: str | None,
    choose_names: bool,
    resume_id: str | None,
    store: str | None,
    output: Path,
) -> None:
    """Record a conversation between two agents, streaming it live.

    Every event goes to the event store; when the conversation ends, its Markdown and
    JSON transcripts are written to OUTPUT/transcripts/. In a terminal, Ctrl+C pauses
    after the current message and offers: continue, inject a message, end, or leave it
    paused (resume later with --resume). Without a terminal, Ctrl+C ends the
    conversation with reason `interrupted`, keeping every completed message.

    Exit codes: 0 ended normally (or left paused; a budget reached), 1 ended in error,
    empty_response or timeout (every attempt at a message failed), 2 bad input, 130
    interrupted (Ctrl+C).

    Example: pidgin chat -a local:test -b local:test -t 10 -p "What is a pidgin language?"
    """
    from eventlog import open_store, parse_store_url
    from pidgin.agents_setup import build_agents
    from pidgin.cli.run_conversation import run_in_terminal, write_outputs
    from pidgin.cli.terminal_output import terminal_console
    from pidgin.domain import Conversation

    if resume_id is not None:
        from pidgin.cli.resume_chat import resume_chat

        resume_chat(ctx, resume_id, quiet=quiet, store=store, output=output, delay=delay)
        return
    if not prompt.strip():
        raise click.BadParameter("the prompt is empty", param_hint="'-p' / '--prompt'")
    from projections.metrics import WeightsError, parse_weights

    try:
        profile, weights = parse_weights(convergence_profile)
    except WeightsError as error:
        raise click.BadParameter(str(error), param_hint="'--convergence-profile'") from None
    agents = build_agents(
        agent_a,
        agent_b,
        temperature,
        base_url=base_url,
        assume_yes=yes,
        confirm=click.confirm,
        awareness=awareness_choices(awareness, awareness_a, awareness_b),
        temperatures=per_agent(temperature, temperature_a, temperature_b),
        max_tokens=per_agent(max_tokens, max_tokens_a, max_tokens_b),
        prompt_cache=not no_cache,
        thinking={"a": think_a, "b": think_b},
    )
    for note in agents.notes:
        click.echo(f"Note: {note}", err=True)
    url = parse_store_url(store_url(store, output))
    ensure_writable_directory(output)

    console = terminal_console()
    with open_store(url) as log:
        conversation = Conversation.start(
            agents.specs["a"],
            agents.specs["b"],
            prompt,
            turns,
            first_speaker="b" if first_speaker == "b" else "a",
            convergence_threshold=convergence_threshold,
            name=name,
            seed=seed,
            convergence_profile=profile,
            convergence_weights=weights,
            convergence_action=convergence_action,
            stop_regexes=stop_on,
            stop_patterns=stop_on_pattern,
            stop_action=stop_action,
            injections=agents.injections,
            choose_names=choose_names,
            max_cost_usd=max_cost,
            max_total_tokens=max_total_tokens,
        )
        code = run_in_terminal(
            log,
            conversation,
            agents.providers,
            agents.pacing,
            console=console,
            quiet=quiet,
            delay=delay,
        )
        write_outputs(console, log, conversation, output, url.redacted)
    if code:
        sys.exit(code)
