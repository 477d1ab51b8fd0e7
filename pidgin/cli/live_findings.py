"""Marks in the live view where a pattern detector fires, and what a stop condition did.

Runs the projection's detectors over the messages seen so far after each turn and
prints each episode once, when it starts (so a researcher watching sees the gratitude
spiral begin, not only the report afterwards)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from pidgin.bus import EventBus
from pidgin.domain import Conversation

STYLE = "bold yellow"


class LiveFindings:
    def __init__(self, console: Console) -> None:
        self._console = console
        self._messages: list[tuple[int, str, str]] = []
        self._shown: set[tuple[str, int]] = set()

    def attach(self, bus: EventBus) -> None:
        bus.subscribe(Conversation.ConversationStarted, self.on_started)
        bus.subscribe(Conversation.MessageCompleted, self.on_completed)
        bus.subscribe(Conversation.TurnCompleted, self.on_turn_completed)
        bus.subscribe(Conversation.StopConditionMet, self.on_stop_condition)

    def on_started(self, event: Conversation.ConversationStarted) -> None:
        self._messages.clear()
        self._shown.clear()

    def on_completed(self, event: Conversation.MessageCompleted) -> None:
        self._messages.append((event.turn, event.agent, event.text))

    def on_turn_completed(self, event: Conversation.TurnCompleted) -> None:
        from projections.patterns import ConversationText, detect

        for finding in detect(ConversationText(self._messages)):
            key = (finding.detector, finding.first_turn)
            if key in self._shown:
                continue
            self._shown.add(key)
            quote = finding.evidence[-1].quote if finding.evidence else ""
            self._console.print(
                Text(
                    f"◆ {finding.detector} (turns {finding.first_turn}–{finding.last_turn}, "
                    f"strength {finding.strength:.2f}): {quote}",
                    style=STYLE,
                )
            )

    def on_stop_condition(self, event: Conversation.StopConditionMet) -> None:
        what = "pattern" if event.kind == "pattern" else "regex"
        done = "pausing (resumable)" if event.action == "pause" else "ending the conversation"
        self._console.print()
        self._console.print(
            Text(
                f"Stop condition met in turn {event.turn}: {what} {event.condition}; {done}.",
                style=STYLE,
            )
        )
