"""A read model of one conversation, folded from its events alone.

Transcripts, listings and analysis tables are rendered from this view, never from the
aggregate or from anything kept in memory while recording, so a rebuild from the log
gives exactly what was written live.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventlog import EventLog
from pidgin.domain import Conversation
from projections.costs import AgentTotals

Started = Conversation.ConversationStarted


@dataclass
class MessageView:
    agent: str
    turn: int
    text: str
    tokens_in: int | None
    tokens_out: int | None
    time_to_first_token: float | None
    duration: float
    model: str
    stop_reason: str | None
    completed_at: datetime
    cache_read: int | None = None
    cache_write: int | None = None
    thinking_tokens: int | None = None
    reported_cost: float | None = None


@dataclass
class ErrorView:
    agent: str
    provider: str
    status: int | None
    message: str
    attempt: int
    at: datetime


@dataclass
class InjectionView:
    """A system message injected into agents' histories (scheduled, or by the human)."""

    turn: int
    agents: list[str]
    text: str
    source: str
    after_message: int
    at: datetime


@dataclass
class ConvergenceChangeView:
    """The convergence threshold and action changed on resuming, after ``turn`` turns."""

    turn: int
    threshold: float | None
    action: str
    at: datetime


@dataclass
class ConversationView:
    conversation_id: UUID
    started_at: datetime
    agents: dict[str, dict[str, Any]]
    prompt: str
    max_turns: int
    first_speaker: str
    convergence_threshold: float | None
    name: str | None
    messages: list[MessageView] = field(default_factory=list)
    convergence_by_turn: dict[int, float] = field(default_factory=dict)
    errors: list[ErrorView] = field(default_factory=list)
    end_reason: str | None = None
    ended_at: datetime | None = None
    experiment_id: str | None = None
    parent_conversation_id: str | None = None
    branch_turn: int | None = None
    chosen_names: dict[str, str] = field(default_factory=dict)
    name_replies: dict[str, str] = field(default_factory=dict)
    injections: list[InjectionView] = field(default_factory=list)
    paused_reason: str | None = None
    convergence_changes: list[ConvergenceChangeView] = field(default_factory=list)

    def agent_name(self, agent: str) -> str:
        """The name the agent chose for itself, else its model's display name."""
        return self.chosen_names.get(agent) or str(self.agents[agent]["display_name"])

    @property
    def completed_turns(self) -> int:
        return max(self.convergence_by_turn, default=0)

    @property
    def final_convergence(self) -> float | None:
        return self.convergence_by_turn.get(self.completed_turns)

    def tokens(self, agent: str | None = None) -> tuple[int, int]:
        """(tokens in, tokens out) for one agent, or both when ``agent`` is None
        (counts a provider did not report add nothing)."""
        return self.totals(agent).pair

    def totals(self, agent: str | None = None) -> AgentTotals:
        """Token counts, cache counts and what the cost needs, for one agent or both."""
        totals = AgentTotals()
        for m in self.messages:
            if agent is None or m.agent == agent:
                totals.add(m.tokens_in, m.tokens_out, m.cache_read, m.cache_write, m.reported_cost)
        return totals

    def apply(self, event: Any) -> None:
        """Fold one later event of this conversation into the view."""
        if isinstance(event, Conversation.MessageCompleted):
            self.messages.append(
                MessageView(
                    agent=event.agent,
                    turn=event.turn,
                    text=event.text,
                    tokens_in=event.tokens_in,
                    tokens_out=event.tokens_out,
                    time_to_first_token=event.time_to_first_token,
                    duration=event.duration,
                    model=event.model,
                    stop_reason=event.stop_reason,
                    completed_at=event.timestamp,
                    cache_read=event.cache_read_tokens,
                    cache_write=event.cache_write_tokens,
                    thinking_tokens=event.thinking_tokens,
                    reported_cost=event.reported_cost_usd,
                )
            )
        elif isinstance(event, Conversation.TurnCompleted):
            self.convergence_by_turn[event.turn] = event.convergence
        elif isinstance(event, Conversation.ProviderErrored):
            self.errors.append(
                ErrorView(
                    event.agent,
                    event.provider,
                    event.status,
                    event.message,
                    event.attempt,
                    event.timestamp,
                )
            )
        elif isinstance(event, Conversation.ConversationEnded):
            self.end_reason = event.reason
            self.ended_at = event.timestamp
            self.paused_reason = None
        elif isinstance(event, Conversation.NameChosen):
            self.chosen_names[event.agent] = event.name
            self.name_replies[event.agent] = event.raw_reply
        elif isinstance(event, Conversation.SystemPromptInjected):
            self.injections.append(
                InjectionView(
                    event.turn,
                    list(event.agents),
                    event.text,
                    event.source,
                    event.after_message,
                    event.timestamp,
                )
            )
        elif isinstance(event, Conversation.ConversationPaused):
            self.paused_reason = event.reason
        elif isinstance(event, Conversation.ConversationResumed):
            self.paused_reason = None
        elif isinstance(event, Conversation.ConvergenceSettingsChanged):
            change = ConvergenceChangeView(
                event.turn, event.threshold, event.action, event.timestamp
            )
            self.convergence_changes.append(change)


def start_view(event: Started) -> ConversationView:
    """A new view from a ConversationStarted event."""
    return ConversationView(
        conversation_id=event.originator_id,
        started_at=event.timestamp,
        agents={"a": dict(event.agent_a), "b": dict(event.agent_b)},
        prompt=event.prompt,
        max_turns=event.max_turns,
        first_speaker=event.first_speaker,
        convergence_threshold=event.convergence_threshold,
        name=event.name,
        experiment_id=event.experiment_id,
        parent_conversation_id=event.parent_conversation_id,
        branch_turn=event.branch_turn,
    )


def fold_conversations(
    events: Iterable[Any], only: set[UUID] | None = None
) -> dict[UUID, ConversationView]:
    """Views of every conversation in ``events`` (or only those in ``only``), in log order.

    Events of other aggregates are skipped.
    """
    views: dict[UUID, ConversationView] = {}
    for event in events:
        conversation_id = event.originator_id
        if only is not None and conversation_id not in only:
            continue
        if isinstance(event, Started):
            views[conversation_id] = start_view(event)
        elif conversation_id in views:
            views[conversation_id].apply(event)
    return views


def read_conversations(log: EventLog, only: Iterable[UUID] | None = None) -> list[ConversationView]:
    """Views of the named conversations (read one by one) or of every one (one pass)."""
    if only is None:
        return list(fold_conversations(recorded.event for recorded in log.read()).values())
    views: list[ConversationView] = []
    for conversation_id in only:
        folded = fold_conversations(log.aggregate_events(conversation_id))
        views.extend(folded.values())
    return views
