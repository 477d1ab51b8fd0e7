"""Running one conversation in the terminal (chat, chat --resume, branch), with the pause menu.

In a terminal, Ctrl+C pauses after the current message and offers: continue, inject a
message as the human conductor, end, or leave it paused (``pidgin chat --resume ID``
continues it later). A second Ctrl+C, or Ctrl+C at the menu, ends it at once as
``interrupted``. Without a terminal (scripts), Ctrl+C ends it as ``interrupted`` straight
away. Either way the caller writes the transcripts and the summary afterwards.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from eventlog import EventLog
from pidgin.bus import EventBus
from pidgin.cli.live_view import LiveView
from pidgin.conductor import Conductor
from pidgin.domain import AgentId, Conversation
from pidgin.providers import Provider
from pidgin.providers.pacing import Pacing

HUMAN_PAUSE = "human"
EXIT_OK = 0  # ended normally (max turns, convergence, context limit), or left paused
EXIT_ERROR = 1  # ended with `error`: every attempt at a message failed
EXIT_INTERRUPTED = 130  # ended by Ctrl+C

MENU = "[c]ontinue, [i]nject a message to both agents, [e]nd it, or [l]eave it paused"


async def _run(conductor: Conductor, conversation: Conversation, console: Console) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    presses = 0

    def on_interrupt() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            conductor.request_pause(HUMAN_PAUSE)
            console.print("\n[yellow]Pausing after the current message (Ctrl+C again: end now)[/]")
        elif task is not None:
            task.cancel()

    loop.add_signal_handler(signal.SIGINT, on_interrupt)
    try:
        await conductor.run(conversation)
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _menu(console: Console) -> str:
    console.print(f"\n[bold]Paused.[/] {escape(MENU)}")  # The brackets are text, not markup.
    return str(
        click.prompt("Choice", type=click.Choice(["c", "i", "e", "l"]), default="c", err=False)
    )


def run_in_terminal(
    log: EventLog,
    conversation: Conversation,
    providers: Mapping[AgentId, Provider],
    pacing: Mapping[AgentId, Pacing],
    *,
    console: Console,
    quiet: bool,
    interactive: bool | None = None,
    resuming: bool = False,
    delay: float = 0.0,
) -> int:
    """Run until the conversation ends (or the user leaves it paused); the exit code.

    ``interactive`` defaults to whether stdin is a terminal. ``resuming`` shows where a
    conversation continued from the log picks up; ``delay`` paces the live view.
    """
    from pidgin.logging_setup import console_logs_quieted

    if interactive is None:
        interactive = sys.stdin.isatty()
    bus = EventBus()
    if not quiet:
        attempts: dict[str, int] = {
            agent: pace.retry.max_attempts for agent, pace in pacing.items()
        }
        view = LiveView(console, delay=delay, max_attempts=attempts)
        view.attach(bus)
        if resuming:
            view.show_resuming(conversation)
    conductor = Conductor(log, bus, providers, pacing)
    # The live view shows provider errors itself; log warnings would cut into its lines.
    with console_logs_quieted(not quiet):
        return _run_until_settled(log, conductor, conversation, console, interactive)


def _run_until_settled(
    log: EventLog,
    conductor: Conductor,
    conversation: Conversation,
    console: Console,
    interactive: bool,
) -> int:
    while True:
        try:
            if interactive:
                asyncio.run(_run(conductor, conversation, console))
            else:
                asyncio.run(conductor.run(conversation))
        except (KeyboardInterrupt, asyncio.CancelledError):
            return EXIT_INTERRUPTED
        if conversation.is_ended:
            return exit_code(conversation.end_reason)
        if not conversation.is_paused or not interactive:
            return EXIT_OK
        try:
            choice = _menu(console)
            if choice == "i":
                text = click.prompt("Message (as the human conductor)")
                conversation.inject_system_prompt(("a", "b"), text, source="human")
        except (click.Abort, KeyboardInterrupt, EOFError):
            # Ctrl+C (or end of input) at the menu ends the conversation, as a second
            # Ctrl+C while it runs does; the transcripts and summary follow as usual.
            console.print("\n[yellow]Ending the conversation (interrupted).[/]")
            conversation.end("interrupted")
            log.save(conversation)
            return EXIT_INTERRUPTED
        if choice == "e":
            conversation.end("interrupted")
            log.save(conversation)
            return EXIT_OK
        if choice == "l":
            return EXIT_OK


def exit_code(end_reason: str | None) -> int:
    """The exit code of a run whose conversation ended with ``end_reason`` (see --help):
    its outcome as END_REASON_OUTCOMES says (failed 1, interrupted 130, else 0)."""
    from pidgin.domain.experiment import outcome_of

    outcome = outcome_of(end_reason) if end_reason else "completed"
    if outcome == "failed":
        return EXIT_ERROR
    if outcome == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_OK


def write_outputs(
    console: Console, log: EventLog, conversation: Conversation, output: Path, store: str
) -> None:
    """Transcripts and the summary, both from the log."""
    from pidgin.cli.summary import print_summary
    from projections.transcripts import rebuild_transcripts, write_files

    transcripts = output / "transcripts"
    write_files(rebuild_transcripts(log, [conversation.id]), transcripts)
    print_summary(console, log, conversation.id, transcripts, store)
