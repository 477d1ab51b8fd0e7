"""Running one conversation in the terminal (chat, chat --resume, branch), with the pause menu.

In a terminal, Ctrl+C pauses after the current message and offers: continue, inject a
message as the human conductor, end, or leave it paused (``pidgin chat --resume ID``
continues it later). A second Ctrl+C ends it at once as ``interrupted``. Without a
terminal (scripts), Ctrl+C ends it as ``interrupted`` straight away.
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
) -> int:
    """Run until the conversation ends (or the user leaves it paused); the exit code.

    ``interactive`` defaults to whether stdin is a terminal.
    """
    if interactive is None:
        interactive = sys.stdin.isatty()
    bus = EventBus()
    if not quiet:
        LiveView(console).attach(bus)
    conductor = Conductor(log, bus, providers, pacing)
    while True:
        try:
            if interactive:
                asyncio.run(_run(conductor, conversation, console))
            else:
                asyncio.run(conductor.run(conversation))
        except (KeyboardInterrupt, asyncio.CancelledError):
            return 130
        if conversation.is_ended or not conversation.is_paused or not interactive:
            return 0
        choice = _menu(console)
        if choice == "i":
            text = click.prompt("Message (as the human conductor)")
            conversation.inject_system_prompt(("a", "b"), text, source="human")
        elif choice == "e":
            conversation.end("interrupted")
            log.save(conversation)
            return 0
        elif choice == "l":
            console.print(f"Left paused. Continue with: pidgin chat --resume {conversation.id}")
            return 0


def write_outputs(
    console: Console, log: EventLog, conversation: Conversation, output: Path, store: str
) -> None:
    """Transcripts and the summary, both from the log."""
    from pidgin.cli.summary import print_summary
    from projections.transcripts import rebuild_transcripts, write_files

    transcripts = output / "transcripts"
    write_files(rebuild_transcripts(log, [conversation.id]), transcripts)
    print_summary(console, log, conversation.id, transcripts, store)
