"""One conversation as a sequence of what happened, in log order, for ``pidgin show``.

The ConversationView has the messages and the settings, but errors, pauses and resumes
only as lists or as the latest state; reading a conversation, a person wants to see each
where it happened. The timeline folds the same events into the same view and keeps, in
order, one entry per event worth showing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pidgin.domain import Conversation
from projections.conversation_view import ConversationView, start_view


@dataclass(frozen=True)
class Entry:
    """One thing that happened: ``kind`` names it, ``data`` holds what it says.

    Kinds: message (index into view.messages), turn (turn, convergence), injection
    (index into view.injections), error (index into view.errors), rate_limited (agent,
    provider, wait_seconds, reason), paused (reason, turn), resumed (reason), threshold
    (turn, convergence, threshold, action), stop_condition (turn, kind, condition, action,
    quotes), ended (reason, total_turns).
    """

    kind: str
    data: dict[str, Any]


@dataclass
class Timeline:
    view: ConversationView
    entries: list[Entry]
    settings: dict[str, Any]
    """What the view leaves out: seed, convergence profile, weights and action."""


def conversation_timeline(events: Iterable[Any]) -> Timeline | None:
    """The timeline of the one conversation whose events these are (None if not started)."""
    view: ConversationView | None = None
    entries: list[Entry] = []
    settings: dict[str, Any] = {}
    for event in events:
        if isinstance(event, Conversation.ConversationStarted):
            view = start_view(event)
            settings["seed"] = event.seed
            continue
        if view is None:
            continue
        if isinstance(event, Conversation.ConvergencePolicyChosen):
            settings.update(
                convergence_profile=event.profile,
                convergence_weights=dict(event.weights),
                convergence_action=event.action,
            )
        view.apply(event)
        entry = _entry(view, event)
        if entry is not None:
            entries.append(entry)
    return None if view is None else Timeline(view, entries, settings)


def _entry(view: ConversationView, event: Any) -> Entry | None:
    """The entry an event adds, once the view has folded it (None: nothing to show)."""
    if isinstance(event, Conversation.MessageCompleted):
        return Entry("message", {"index": len(view.messages) - 1})
    if isinstance(event, Conversation.TurnCompleted):
        return Entry("turn", {"turn": event.turn, "convergence": event.convergence})
    if isinstance(event, Conversation.SystemPromptInjected):
        return Entry("injection", {"index": len(view.injections) - 1})
    if isinstance(event, Conversation.ProviderErrored):
        return Entry("error", {"index": len(view.errors) - 1})
    if isinstance(event, Conversation.RateLimited):
        return Entry(
            "rate_limited",
            {
                "agent": event.agent,
                "provider": event.provider,
                "wait_seconds": event.wait_seconds,
                "reason": event.reason,
            },
        )
    if isinstance(event, Conversation.ConversationPaused):
        return Entry("paused", {"reason": event.reason, "turn": event.turn})
    if isinstance(event, Conversation.ConversationResumed):
        return Entry("resumed", {"reason": event.reason})
    if isinstance(event, Conversation.ConvergenceThresholdReached):
        return Entry(
            "threshold",
            {
                "turn": event.turn,
                "convergence": event.convergence,
                "threshold": event.threshold,
                "action": event.action,
            },
        )
    if isinstance(event, Conversation.StopConditionMet):
        quotes = [str(e.get("quote", "")) for e in event.evidence if e.get("quote")]
        return Entry(
            "stop_condition",
            {
                "turn": event.turn,
                "kind": event.kind,
                "condition": event.condition,
                "action": event.action,
                "quotes": quotes,
            },
        )
    if isinstance(event, Conversation.ConversationEnded):
        return Entry("ended", {"reason": event.reason, "total_turns": event.total_turns})
    return None
