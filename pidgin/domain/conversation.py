"""The Conversation aggregate: everything that happens to one conversation, as events.

Event names follow DESIGN.md. Event fields are plain JSON values so the log stays
readable and every projection can be rebuilt from it byte for byte. Command methods
check the aggregate's rules first and then trigger an event; the decorated
``_on_*`` methods only apply an event's facts, so replaying the log never re-checks.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from pidgin.domain.agents import AGENT_IDS, AgentId, AgentSpec, other_agent
from pidgin.domain.messages import ChatMessage, RecordedMessage, history_for

END_REASONS = ("max_turns", "high_convergence", "error", "interrupted", "context_limit")


class ConversationRuleError(Exception):
    """A command that the conversation's current state does not allow."""


class Conversation(Aggregate):
    """Two agents talking turn by turn; the unit that is recorded, replayed and analysed."""

    class ConversationStarted(Aggregate.Created):
        agent_a: dict[str, Any]
        agent_b: dict[str, Any]
        prompt: str
        max_turns: int
        first_speaker: str
        convergence_threshold: float | None
        name: str | None
        experiment_id: str | None
        parent_conversation_id: str | None
        branch_turn: int | None
        seed: int | None

    class TurnStarted(Aggregate.Event):
        turn: int

    class MessageRequested(Aggregate.Event):
        agent: str
        turn: int

    class MessageCompleted(Aggregate.Event):
        agent: str
        turn: int
        text: str
        thinking: str | None
        tokens_in: int
        tokens_out: int
        time_to_first_token: float | None
        duration: float
        stop_reason: str | None
        model: str

    class TurnCompleted(Aggregate.Event):
        turn: int
        convergence: float

    class ProviderErrored(Aggregate.Event):
        agent: str
        provider: str
        status: int | None
        message: str
        retryable: bool
        attempt: int

    class ConversationEnded(Aggregate.Event):
        reason: str
        total_turns: int

    @event(ConversationStarted)
    def __init__(
        self,
        agent_a: dict[str, Any],
        agent_b: dict[str, Any],
        prompt: str,
        max_turns: int,
        first_speaker: str,
        convergence_threshold: float | None,
        name: str | None,
        experiment_id: str | None,
        parent_conversation_id: str | None,
        branch_turn: int | None,
        seed: int | None,
    ) -> None:
        self.agents: dict[AgentId, AgentSpec] = {
            "a": AgentSpec.from_dict(agent_a),
            "b": AgentSpec.from_dict(agent_b),
        }
        self.prompt = prompt
        self.max_turns = max_turns
        self.first_speaker: AgentId = "b" if first_speaker == "b" else "a"
        self.convergence_threshold = convergence_threshold
        self.name = name
        self.messages: list[RecordedMessage] = []
        self.current_turn = 0
        self.completed_turns = 0
        self.pending_request: AgentId | None = None
        self.end_reason: str | None = None

    @classmethod
    def start(
        cls,
        agent_a: AgentSpec,
        agent_b: AgentSpec,
        prompt: str,
        max_turns: int,
        first_speaker: AgentId = "a",
        convergence_threshold: float | None = None,
        name: str | None = None,
        seed: int | None = None,
    ) -> Conversation:
        """Begin a new conversation (records ConversationStarted)."""
        if max_turns < 1:
            raise ConversationRuleError("a conversation needs at least one turn")
        if first_speaker not in AGENT_IDS:
            raise ConversationRuleError(f"first speaker must be 'a' or 'b', not {first_speaker!r}")
        return cls(
            agent_a=agent_a.to_dict(),
            agent_b=agent_b.to_dict(),
            prompt=prompt,
            max_turns=max_turns,
            first_speaker=first_speaker,
            convergence_threshold=convergence_threshold,
            name=name,
            experiment_id=None,
            parent_conversation_id=None,
            branch_turn=None,
            seed=seed,
        )

    # -- queries ---------------------------------------------------------------------------

    @property
    def is_ended(self) -> bool:
        return self.end_reason is not None

    @property
    def speaking_order(self) -> tuple[AgentId, AgentId]:
        return (self.first_speaker, other_agent(self.first_speaker))

    def history_for(self, agent: AgentId) -> list[ChatMessage]:
        """What ``agent`` is sent for its next message (derived, never stored)."""
        spec = self.agents[agent]
        return history_for(agent, self.prompt, self.messages, spec.system_prompt)

    def latest_texts(self) -> tuple[str, str] | None:
        """The two latest messages (one per agent) once both have spoken, else None."""
        if len(self.messages) < 2:
            return None
        return (self.messages[-2].text, self.messages[-1].text)

    # -- commands --------------------------------------------------------------------------

    def start_turn(self, turn: int) -> None:
        self._require_running()
        if turn != self.completed_turns + 1 or self.current_turn == turn:
            raise ConversationRuleError(f"turn {turn} cannot start after turn {self.current_turn}")
        self._on_turn_started(turn=turn)

    def request_message(self, agent: AgentId, turn: int) -> None:
        self._require_running()
        if turn != self.current_turn:
            raise ConversationRuleError(f"turn {turn} is not the current turn")
        self._on_message_requested(agent=agent, turn=turn)

    def complete_message(
        self,
        agent: AgentId,
        turn: int,
        text: str,
        *,
        tokens_in: int,
        tokens_out: int,
        time_to_first_token: float | None,
        duration: float,
        model: str,
        stop_reason: str | None = None,
        thinking: str | None = None,
    ) -> None:
        self._require_running()
        if self.pending_request != agent or turn != self.current_turn:
            raise ConversationRuleError(
                f"no message was requested from agent {agent} in turn {turn}"
            )
        self._on_message_completed(
            agent=agent,
            turn=turn,
            text=text,
            thinking=thinking,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            time_to_first_token=time_to_first_token,
            duration=duration,
            stop_reason=stop_reason,
            model=model,
        )

    def complete_turn(self, turn: int, convergence: float) -> None:
        self._require_running()
        spoken = {m.agent for m in self.messages if m.turn == turn}
        if turn != self.current_turn or spoken != set(AGENT_IDS):
            raise ConversationRuleError(f"turn {turn} is not complete")
        self._on_turn_completed(turn=turn, convergence=convergence)

    def record_provider_error(
        self,
        agent: AgentId,
        provider: str,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        attempt: int = 1,
    ) -> None:
        self._require_running()
        self._on_provider_errored(
            agent=agent,
            provider=provider,
            status=status,
            message=message,
            retryable=retryable,
            attempt=attempt,
        )

    def end(self, reason: str) -> None:
        self._require_running()
        if reason not in END_REASONS:
            raise ConversationRuleError(f"unknown end reason {reason!r}")
        self._on_ended(reason=reason, total_turns=self.completed_turns)

    def _require_running(self) -> None:
        if self.is_ended:
            raise ConversationRuleError(f"the conversation has ended ({self.end_reason})")

    # -- applying events (run on record and on replay) ----------------------------------------

    @event(TurnStarted)
    def _on_turn_started(self, turn: int) -> None:
        self.current_turn = turn

    @event(MessageRequested)
    def _on_message_requested(self, agent: AgentId, turn: int) -> None:
        self.pending_request = agent

    @event(MessageCompleted)
    def _on_message_completed(
        self,
        agent: AgentId,
        turn: int,
        text: str,
        thinking: str | None,
        tokens_in: int,
        tokens_out: int,
        time_to_first_token: float | None,
        duration: float,
        stop_reason: str | None,
        model: str,
    ) -> None:
        self.messages.append(RecordedMessage(agent=agent, turn=turn, text=text))
        self.pending_request = None

    @event(TurnCompleted)
    def _on_turn_completed(self, turn: int, convergence: float) -> None:
        self.completed_turns = turn

    @event(ProviderErrored)
    def _on_provider_errored(
        self,
        agent: AgentId,
        provider: str,
        status: int | None,
        message: str,
        retryable: bool,
        attempt: int,
    ) -> None:
        pass  # A fact for the record; the conversation's state does not change.

    @event(ConversationEnded)
    def _on_ended(self, reason: str, total_turns: int) -> None:
        self.end_reason = reason
        self.pending_request = None
