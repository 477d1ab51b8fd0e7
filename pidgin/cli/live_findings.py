"""Marks in the live view where a pattern detector fires, and what a stop condition did.

Runs the projection's detectors after each turn over the latest WINDOW_TURNS turns and
prints each episode once, when it starts (so a researcher watching sees the gratitude
spiral begin, not only the report afterwards). The window keeps the cost per turn flat
in a long conversation (or while `experiment attach` catches up on thousands of turns);
the projection's findings look at the whole conversation."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from pidgin.bus import EventBus
from pidgin.domain import Conversation

STYLE = "bold yellow"
WINDOW_TURNS = 60


class LiveFindings:
    def __init__(self, console: Console) -> None:
        self._console = console
        self._messages: list[tuple[int, str, str]] = []
        self._active_until: dict[str, int] = {}  # detector → last turn of its latest episode

    def attach(self, bus: EventBus) -> None:
        bus.subscribe(Conversation.ConversationStarted, self.on_started)
        bus.subscribe(Conversation.MessageCompleted, self.on_completed)
        bus.subscribe(Conversation.TurnCompleted, self.on_turn_completed)
        bus.subscribe(Conversation.StopConditionMet, self.on_stop_condition)

    def on_started(self, event: Conversation.ConversationStarted) -> None:
        self._messages.clear()
        self._active_until.clear()

    def on_completed(self, event: Conversation.MessageCompleted) -> None:
        self._messages.append((event.turn, event.agent, event.text))

    def on_turn_completed(self, event: Conversation.TurnCompleted) -> None:
        from projections.patterns import ConversationText, detect

        self._messages = [m for m in self._messages if m[0] > event.turn - WINDOW_TURNS]
        for finding in detect(ConversationText(self._messages)):
            seen_until = self._active_until.get(finding.detector, 0)
            self._active_until[finding.detector] = max(seen_until, finding.last_turn)
            if finding.first_turn <= seen_until:
                continue  # an episode already shown, still going on
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
