"""``pidgin experiment attach``: follow a running experiment's conversation from the log.

The runner may be another process, so the view polls the log (the truth) for events and
the runner's live file for the message being written; the conversation under way is
replayed first for context.
Detaching (Ctrl+C) changes nothing in the experiment.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

from rich.console import Console

from eventlog import EventLog, open_store
from pidgin.bus import EventBus, MessageChunk
from pidgin.cli.experiment_tables import current_conversation
from pidgin.cli.live_view import LiveView
from pidgin.domain import Conversation
from pidgin.experiments.live_stream import LIVE_DIR, read_partial
from pidgin.experiments.pidfiles import experiment_dir
from pidgin.experiments.status import find_experiment, read_status

POLL_SECONDS = 0.1
STATUS_EVERY = 20  # polls between checks of whether the experiment is still running


class _Follower:
    """Shows one conversation at a time: its events from the log, and the message being
    written from the runner's live file (see :mod:`pidgin.experiments.live_stream`)."""

    def __init__(self, log: EventLog, experiment_id: UUID, output: Path, console: Console):
        self.log = log
        self.experiment_id = experiment_id
        self.output = output
        self.live = experiment_dir(output, experiment_id) / LIVE_DIR
        self.bus = EventBus()
        LiveView(console).attach(self.bus)
        self.following: UUID | None = None
        self.shown_version = 0
        self.pending: tuple[str, int] | None = None
        self.printed = ""

    async def pick(self) -> None:
        """Follow the earliest conversation under way, replaying what it said so far."""
        status = read_status(self.log, self.experiment_id, self.output)
        current = current_conversation(status)
        self.following = None if current is None else current.conversation_id
        self.shown_version, self.pending, self.printed = 0, None, ""
        if self.following is not None:
            for event in self.log.aggregate_events(self.following):
                await self.show(event)

    async def show(self, event: Any) -> None:
        """Publish a logged event once; a completed message adds what was not streamed."""
        if event.originator_version <= self.shown_version:
            return
        self.shown_version = event.originator_version
        if isinstance(event, Conversation.MessageRequested):
            self.pending, self.printed = (event.agent, event.turn), ""
        elif isinstance(event, Conversation.MessageCompleted):
            text = event.text
            rest = text[len(self.printed) :] if text.startswith(self.printed) else "\n" + text
            if rest:
                chunk = MessageChunk(event.originator_id, event.agent, event.turn, rest)
                await self.bus.publish(chunk)
            self.pending, self.printed = None, ""
        await self.bus.publish(event)

    async def stream_partial(self) -> None:
        if self.following is None or self.pending is None:
            return
        partial = read_partial(self.live, self.following)
        if partial is None or (partial[0], partial[1]) != self.pending:
            return
        text = partial[2]
        if len(text) > len(self.printed) and text.startswith(self.printed):
            new = text[len(self.printed) :]
            self.printed = text
            agent, turn = self.pending
            await self.bus.publish(MessageChunk(self.following, agent, turn, new))

    async def run(self) -> str:
        scheduled = set(self.log.load(self.experiment_id).scheduled)
        position = self.log.max_position()
        await self.pick()
        polls = 0
        while True:
            for recorded in self.log.read(after=position):
                position = recorded.position
                event = recorded.event
                if recorded.originator_id not in scheduled:
                    continue
                if self.following is None and isinstance(event, Conversation.ConversationStarted):
                    self.following = recorded.originator_id
                if recorded.originator_id == self.following:
                    await self.show(event)
                    if isinstance(event, Conversation.ConversationEnded):
                        self.following = None
            if self.following is None:
                await self.pick()
            await self.stream_partial()
            polls += 1
            if polls % STATUS_EVERY == 0:
                status = read_status(self.log, self.experiment_id, self.output, conversations=False)
                if status.state != "running":
                    return status.state
            await asyncio.sleep(POLL_SECONDS)


def follow_experiment(url: str, reference: str, output: Path) -> None:
    """Follow until the experiment is no longer running; Ctrl+C at any moment detaches."""
    console = Console()
    try:
        _follow(console, url, reference, output)
    except KeyboardInterrupt:
        console.print("\nDetached; the experiment goes on.")


def _follow(console: Console, url: str, reference: str, output: Path) -> None:
    with open_store(url, create=False) as log:
        experiment_id = find_experiment(log, reference)
        status = read_status(log, experiment_id, output, conversations=False)
        console.print(
            f"[bold]Attached to {status.name}[/] ({status.state}, "
            f"{status.finished}/{status.total} finished). Ctrl+C detaches."
        )
        state = asyncio.run(_Follower(log, experiment_id, status.output, console).run())
        console.print(f"\nThe experiment is {state}.")
