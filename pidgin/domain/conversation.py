"""The Conversation aggregate: everything that happens to one conversation, as events.

Event names follow DESIGN.md. Event fields are plain JSON values so the log stays
readable and every projection can be rebuilt from it byte for byte. Command methods
check the aggregate's rules first and then trigger an event; the decorated
``_on_*`` methods only apply an event's facts, so replaying the log never re-checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from pidgin.domain.agents import AGENT_IDS, AgentId, AgentSpec, other_agent
from pidgin.domain.boundary import MAX_TURNS, check_agent, check_number, check_seed, recordable
from pidgin.domain.budget import Spend, Usage, exceeded
from pidgin.domain.messages import ChatMessage, RecordedMessage, Role, history_for
from pidgin.domain.pricing import cost_in_dollars

END_REASON_OUTCOMES: dict[str, str] = {
    "max_turns": "completed",
    "high_convergence": "completed",
    "context_limit": "completed",
    "stop_regex": "completed",
    "stop_pattern": "completed",
    "budget": "completed",
    "error": "failed",
    "empty_response": "failed",
    "timeout": "failed",
    "interrupted": "interrupted",
}
"""Every end reason and how it counts in an experiment (the one place that says so):
``completed`` (the conversation ran to a decided end), ``failed`` (a provider could not
go on: an error, an empty reply, a request past the hard timeout after its retries) or
``interrupted`` (stopped from outside; resumable)."""
END_REASONS = tuple(END_REASON_OUTCOMES)
CONVERGENCE_ACTIONS = ("stop", "pause", "notify")
STOP_ACTIONS = ("stop", "pause")


class ConversationRuleError(Exception):
    """A command that the conversation's current state does not allow."""


@dataclass(frozen=True, slots=True)
class Injection:
    """An injected system message as the aggregate keeps it to derive each agent's history."""

    turn: int
    agents: tuple[str, ...]
    text: str
    source: str
    after_message: int


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
        """A reply whose stream finished. Version 2 added what caching, thinking and
        gateways report, and lets token counts be unknown (None) rather than 0."""

        class_version = 2

        agent: str
        turn: int
        text: str
        thinking: str | None
        tokens_in: int | None
        tokens_out: int | None
        time_to_first_token: float | None
        duration: float
        stop_reason: str | None
        model: str
        cache_read_tokens: int | None
        """Input tokens read from the provider's prompt cache (part of ``tokens_in``)."""
        cache_write_tokens: int | None
        """Input tokens written to the prompt cache (part of ``tokens_in``)."""
        thinking_tokens: int | None
        """Output tokens spent thinking (part of ``tokens_out``), when reported."""
        reported_cost_usd: float | None
        """The cost a gateway (OpenRouter) reported for this reply, in US dollars."""

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 knew no caching, thinking tokens or gateway costs."""
            state["cache_read_tokens"] = None
            state["cache_write_tokens"] = None
            state["thinking_tokens"] = None
            state["reported_cost_usd"] = None

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

    class RateLimited(Aggregate.Event):
        """The conductor waited before a request: a client-side limit was full
        (``requests_per_minute`` / ``tokens_per_minute``) or the provider answered 429."""

        agent: str
        provider: str
        wait_seconds: float
        reason: str

    class ConversationEnded(Aggregate.Event):
        reason: str
        total_turns: int

    class ConversationPlanned(Aggregate.Event):
        """Inputs decided at the start that later turns act on (saved with the start)."""

        injections: list[dict[str, Any]]  # {"turn": int, "agents": ["a"|"b", ...], "text": str}
        choose_names: bool

    class SystemPromptInjected(Aggregate.Event):
        """A system message added to the named agents' histories after ``after_message``."""

        turn: int
        agents: list[str]
        text: str
        source: str  # "schedule" (an awareness file) or "human" (the conductor at a pause)
        after_message: int

    class NameChosen(Aggregate.Event):
        agent: str
        name: str
        raw_reply: str

    class ConversationPaused(Aggregate.Event):
        reason: str
        turn: int

    class ConversationResumed(Aggregate.Event):
        reason: str

    class ConvergencePolicyChosen(Aggregate.Event):
        """How convergence is scored and what reaching the threshold does (saved with the
        start when not the defaults: balanced profile, action stop)."""

        profile: str  # balanced, structural, semantic, strict or custom
        weights: dict[str, float]
        action: str  # stop, pause or notify

    class ConvergenceSettingsChanged(Aggregate.Event):
        """The convergence threshold and action were changed part-way, when the conversation
        was resumed: a decision, recorded like any other, in force from the next turn on.
        (ConvergencePolicyChosen has no threshold, so it cannot carry this change.)"""

        threshold: float | None
        action: str  # stop, pause or notify
        turn: int  # the turns completed when the change was made

    class StopConditionsChosen(Aggregate.Event):
        """Stop conditions of the run (saved with the start when any is given): a message
        matching one of ``regexes``, or a live finding of one of the pattern detectors
        named in ``patterns``, ends (``stop``) or pauses (``pause``) the conversation."""

        regexes: list[str]
        patterns: list[str]
        action: str

    class StopConditionMet(Aggregate.Event):
        """A stop condition was met; ``action`` is what was done (its own event follows).

        ``kind`` is ``regex`` (``condition`` the regex) or ``pattern`` (``condition`` the
        detector, ``first_turn`` where its episode began); ``evidence`` the quoted spans.
        """

        turn: int
        kind: str
        condition: str
        first_turn: int
        evidence: list[dict[str, Any]]
        action: str

    class BudgetSet(Aggregate.Event):
        """The most this conversation may spend (saved with the start when given): US
        dollars and/or tokens (in + out, both agents). None: no limit."""

        max_cost_usd: float | None
        max_total_tokens: int | None

    class BudgetReached(Aggregate.Event):
        """The next request of ``agent`` would cross a budget (``kind`` cost or tokens):
        ``spent`` so far plus ``estimate`` (of the request, from the history) is over
        ``limit``. The conversation ends with reason ``budget`` before the request."""

        agent: str
        turn: int
        kind: str
        limit: float
        spent: float
        estimate: float

    class ConvergenceThresholdReached(Aggregate.Event):
        """A turn's convergence reached the threshold; ``action`` is what was done."""

        turn: int
        convergence: float
        threshold: float
        action: str

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
        self.experiment_id = experiment_id
        self.parent_conversation_id = parent_conversation_id
        self.branch_turn = branch_turn
        self.seed = seed
        self.planned_injections: list[dict[str, Any]] = []
        self.choose_names = False
        self.injections: list[Injection] = []
        self.chosen_names: dict[str, str] = {}
        self.paused_reason: str | None = None
        self.convergence_profile = "balanced"
        self.convergence_weights: dict[str, float] | None = None  # None: the profile's
        self.convergence_action = "stop"
        self.stop_regexes: list[str] = []
        self.stop_patterns: list[str] = []
        self.stop_action = "stop"
        self.stop_conditions_met: list[tuple[str, str, int]] = []  # (kind, condition, first turn)
        self.spent = Spend()
        self.max_cost_usd: float | None = None
        self.max_total_tokens: int | None = None

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
        *,
        conversation_id: UUID | None = None,
        experiment_id: str | None = None,
        parent_conversation_id: str | None = None,
        branch_turn: int | None = None,
        injections: Sequence[dict[str, Any]] = (),
        choose_names: bool = False,
        convergence_profile: str = "balanced",
        convergence_weights: dict[str, float] | None = None,
        convergence_action: str = "stop",
        stop_regexes: Sequence[str] = (),
        stop_patterns: Sequence[str] = (),
        stop_action: str = "stop",
        max_cost_usd: float | None = None,
        max_total_tokens: int | None = None,
    ) -> Conversation:
        """Begin a new conversation (records ConversationStarted).

        ``conversation_id`` lets an experiment schedule ids ahead of time, so that two
        runners creating the same conversation collide in the log instead of both running
        it. ``injections`` and ``choose_names`` are recorded in a ConversationPlanned event
        so a resumed conversation still knows its plan.
        """
        if not 1 <= max_turns <= MAX_TURNS:
            raise ConversationRuleError(f"a conversation needs 1 to {MAX_TURNS} turns")
        if first_speaker not in AGENT_IDS:
            raise ConversationRuleError(f"first speaker must be 'a' or 'b', not {first_speaker!r}")
        for injection in injections:
            turn, agents = injection.get("turn"), injection.get("agents")
            if not isinstance(turn, int) or turn < 1 or not agents:
                raise ConversationRuleError(f"an injection needs a turn >= 1 and agents: {turn}")
            if not set(agents) <= set(AGENT_IDS):
                raise ConversationRuleError(f"an injection names unknown agents: {agents}")
        check_seed(seed)
        check_number(convergence_threshold, "the convergence threshold", 0.0, 1.0)
        agents = {"a": recordable(agent_a.to_dict()), "b": recordable(agent_b.to_dict())}
        for agent_id, agent in agents.items():
            check_agent(agent, agent_id.upper())
        conversation: Conversation = cls._create(
            cls.ConversationStarted,
            id=conversation_id,
            agent_a=agents["a"],
            agent_b=agents["b"],
            prompt=recordable(prompt),
            max_turns=max_turns,
            first_speaker=first_speaker,
            convergence_threshold=convergence_threshold,
            name=recordable(name),
            experiment_id=experiment_id,
            parent_conversation_id=parent_conversation_id,
            branch_turn=branch_turn,
            seed=seed,
        )
        if injections or choose_names:
            plain = [
                {"turn": i["turn"], "agents": list(i["agents"]), "text": str(i["text"])}
                for i in injections
            ]
            conversation._on_planned(injections=plain, choose_names=choose_names)
        if convergence_action not in CONVERGENCE_ACTIONS:
            raise ConversationRuleError(f"unknown convergence action {convergence_action!r}")
        if convergence_profile != "balanced" or convergence_action != "stop":
            conversation._on_convergence_policy_chosen(
                profile=convergence_profile,
                weights=dict(convergence_weights or {}),
                action=convergence_action,
            )
        if stop_action not in STOP_ACTIONS:
            raise ConversationRuleError(f"unknown stop action {stop_action!r}")
        if stop_regexes or stop_patterns:
            conversation._on_stop_conditions_chosen(
                regexes=list(stop_regexes), patterns=list(stop_patterns), action=stop_action
            )
        conversation.set_budget(max_cost_usd, max_total_tokens)
        return conversation

    # -- queries ---------------------------------------------------------------------------

    @property
    def is_ended(self) -> bool:
        return self.end_reason is not None

    @property
    def has_budget(self) -> bool:
        return self.max_cost_usd is not None or self.max_total_tokens is not None

    @property
    def is_paused(self) -> bool:
        return self.paused_reason is not None

    def display_name(self, agent: AgentId) -> str:
        """The name an agent chose for itself, else the one from its model."""
        return self.chosen_names.get(agent) or self.agents[agent].display_name

    def injections_due(self, turn: int) -> list[dict[str, Any]]:
        """Planned injections for ``turn`` that are not yet recorded (none twice on resume)."""
        done = {(i.turn, i.text, i.agents) for i in self.injections if i.source == "schedule"}
        return [
            planned
            for planned in self.planned_injections
            if planned["turn"] == turn
            and (planned["turn"], planned["text"], tuple(planned["agents"])) not in done
        ]

    @property
    def speaking_order(self) -> tuple[AgentId, AgentId]:
        return (self.first_speaker, other_agent(self.first_speaker))

    def history_for(self, agent: AgentId) -> list[ChatMessage]:
        """What ``agent`` is sent for its next message (derived, never stored)."""
        spec = self.agents[agent]
        mine = [i for i in self.injections if agent in i.agents]
        if not mine:
            return history_for(agent, self.prompt, self.messages, spec.system_prompt)
        return _history_with_injections(agent, self.prompt, self.messages, spec.system_prompt, mine)

    def latest_texts(self) -> tuple[str, str] | None:
        """The two latest messages (one per agent) once both have spoken, else None."""
        if len(self.messages) < 2:
            return None
        return (self.messages[-2].text, self.messages[-1].text)

    # -- commands --------------------------------------------------------------------------

    def start_turn(self, turn: int) -> None:
        self._require_running()
        self._require_not_paused()
        if turn != self.completed_turns + 1 or self.current_turn == turn:
            raise ConversationRuleError(f"turn {turn} cannot start after turn {self.current_turn}")
        self._on_turn_started(turn=turn)

    def request_message(self, agent: AgentId, turn: int) -> None:
        self._require_running()
        self._require_not_paused()
        if turn != self.current_turn:
            raise ConversationRuleError(f"turn {turn} is not the current turn")
        self._on_message_requested(agent=agent, turn=turn)

    def complete_message(
        self,
        agent: AgentId,
        turn: int,
        text: str,
        *,
        tokens_in: int | None,
        tokens_out: int | None,
        time_to_first_token: float | None,
        duration: float,
        model: str,
        stop_reason: str | None = None,
        thinking: str | None = None,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        thinking_tokens: int | None = None,
        reported_cost_usd: float | None = None,
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
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
            thinking_tokens=thinking_tokens,
            reported_cost_usd=reported_cost_usd,
        )

    def set_budget(self, max_cost_usd: float | None, max_total_tokens: int | None) -> None:
        """Limit what the conversation may spend from now on (recorded only if it changes)."""
        self._require_running()
        if max_cost_usd is not None and not max_cost_usd > 0:
            raise ConversationRuleError("a cost budget must be more than 0 dollars")
        if max_total_tokens is not None and max_total_tokens < 1:
            raise ConversationRuleError("a token budget must be at least 1 token")
        if (max_cost_usd, max_total_tokens) != (self.max_cost_usd, self.max_total_tokens):
            self._on_budget_set(max_cost_usd=max_cost_usd, max_total_tokens=max_total_tokens)

    def estimated_cost(self, agent: AgentId, tokens_in: int, tokens_out: int) -> float | None:
        """US dollars a request of ``agent`` would cost at its recorded prices (no cache)."""
        spec = self.agents[agent]
        return cost_in_dollars(
            tokens_in, tokens_out, spec.input_price_per_million, spec.output_price_per_million
        )

    def check_budget(self, agent: AgentId, turn: int, tokens_in: int, tokens_out: int) -> bool:
        """End the conversation (``budget``) if the request estimated at ``tokens_in`` +
        ``tokens_out`` would cross a budget; True when it did."""
        self._require_running()
        if not self.has_budget:
            return False
        tokens = tokens_in + tokens_out
        cost = self.estimated_cost(agent, tokens_in, tokens_out)
        crossing = exceeded(self.spent, self.max_cost_usd, self.max_total_tokens, tokens, cost)
        if crossing is None:
            return False
        kind, limit, spent = crossing
        estimate = float(tokens) if kind == "tokens" else float(cost or 0.0)
        self._on_budget_reached(
            agent=agent, turn=turn, kind=kind, limit=limit, spent=spent, estimate=estimate
        )
        self.end("budget")
        return True

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

    def record_rate_limited(
        self, agent: AgentId, provider: str, wait_seconds: float, reason: str
    ) -> None:
        self._require_running()
        self._on_rate_limited(
            agent=agent, provider=provider, wait_seconds=wait_seconds, reason=reason
        )

    def end(self, reason: str) -> None:
        self._require_running()
        if reason not in END_REASONS:
            raise ConversationRuleError(f"unknown end reason {reason!r}")
        self._on_ended(reason=reason, total_turns=self.completed_turns)

    def inject_system_prompt(
        self, agents: Sequence[AgentId], text: str, *, source: str = "schedule"
    ) -> None:
        """Add a system message to ``agents``' histories from now on (each agent only its own)."""
        self._require_running()
        if not agents or not set(agents) <= set(AGENT_IDS):
            raise ConversationRuleError(f"an injection needs agents 'a' and/or 'b', not {agents}")
        if not text.strip():
            raise ConversationRuleError("an injected message is empty")
        turn = max(self.current_turn, self.completed_turns + 1)
        self._on_system_prompt_injected(
            turn=turn,
            agents=list(agents),
            text=text,
            source=source,
            after_message=len(self.messages),
        )

    def choose_name(self, agent: AgentId, name: str, raw_reply: str) -> None:
        self._require_running()
        self._on_name_chosen(agent=agent, name=name, raw_reply=raw_reply)

    def pause(self, reason: str) -> None:
        """Stop after the latest message; a later ``resume`` continues from there."""
        self._require_running()
        if not self.is_paused:
            self._on_paused(reason=reason, turn=self.completed_turns)

    def resume(self, reason: str = "resumed") -> None:
        self._require_running()
        if self.is_paused:
            self._on_resumed(reason=reason)

    def reach_convergence_threshold(
        self, turn: int, convergence: float, threshold: float, action: str
    ) -> None:
        """Record that ``turn`` reached the threshold and which action follows."""
        self._require_running()
        if action not in CONVERGENCE_ACTIONS:
            raise ConversationRuleError(f"unknown convergence action {action!r}")
        self._on_convergence_threshold_reached(
            turn=turn, convergence=convergence, threshold=threshold, action=action
        )

    def change_convergence(self, threshold: float | None, action: str) -> None:
        """Act on convergence differently from the next turn on (recorded only if it changes)."""
        self._require_running()
        if action not in CONVERGENCE_ACTIONS:
            raise ConversationRuleError(f"unknown convergence action {action!r}")
        if (threshold, action) != (self.convergence_threshold, self.convergence_action):
            self._on_convergence_settings_changed(
                threshold=threshold, action=action, turn=self.completed_turns
            )

    def meet_stop_condition(
        self,
        turn: int,
        kind: str,
        condition: str,
        first_turn: int,
        evidence: Sequence[dict[str, Any]],
    ) -> None:
        """Record that a stop condition was met at ``turn``, with the conversation's
        stop action (the end or pause that follows is recorded by the caller)."""
        self._require_running()
        self._on_stop_condition_met(
            turn=turn,
            kind=kind,
            condition=condition,
            first_turn=first_turn,
            evidence=[dict(e) for e in evidence],
            action=self.stop_action,
        )

    def copy_turn(
        self,
        turn: int,
        messages: Sequence[dict[str, Any]],
        convergence: float,
        injections: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Record a turn taken over from a parent conversation (a branch's shared history).

        ``injections`` carry an ``offset``: how many of the turn's messages came before.
        """
        self._require_running()
        if self.parent_conversation_id is None or turn != self.completed_turns + 1:
            raise ConversationRuleError(f"turn {turn} cannot be copied here")
        self._on_turn_started(turn=turn)
        for offset in range(len(messages) + 1):
            for injection in injections:
                if injection["offset"] == offset:
                    self._on_system_prompt_injected(
                        turn=turn,
                        agents=list(injection["agents"]),
                        text=injection["text"],
                        source=injection["source"],
                        after_message=len(self.messages),
                    )
            if offset < len(messages):
                self._on_message_completed(**messages[offset])
        self._on_turn_completed(turn=turn, convergence=convergence)

    def _require_running(self) -> None:
        if self.is_ended:
            raise ConversationRuleError(f"the conversation has ended ({self.end_reason})")

    def _require_not_paused(self) -> None:
        if self.is_paused:
            raise ConversationRuleError(f"the conversation is paused ({self.paused_reason})")

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
        tokens_in: int | None,
        tokens_out: int | None,
        time_to_first_token: float | None,
        duration: float,
        stop_reason: str | None,
        model: str,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        thinking_tokens: int | None = None,
        reported_cost_usd: float | None = None,
    ) -> None:
        self.messages.append(RecordedMessage(agent=agent, turn=turn, text=text))
        self.pending_request = None
        if self.branch_turn is not None and turn <= self.branch_turn:
            return  # Copied from the parent conversation, which paid for it.
        self.spent.add(
            self.agents[agent],
            Usage(tokens_in, tokens_out, cache_read_tokens, cache_write_tokens, reported_cost_usd),
        )

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

    @event(RateLimited)
    def _on_rate_limited(
        self, agent: AgentId, provider: str, wait_seconds: float, reason: str
    ) -> None:
        pass  # A fact for the record; the conversation's state does not change.

    @event(ConversationEnded)
    def _on_ended(self, reason: str, total_turns: int) -> None:
        self.end_reason = reason
        self.pending_request = None

    @event(ConversationPlanned)
    def _on_planned(self, injections: list[dict[str, Any]], choose_names: bool) -> None:
        self.planned_injections = injections
        self.choose_names = choose_names

    @event(SystemPromptInjected)
    def _on_system_prompt_injected(
        self, turn: int, agents: list[str], text: str, source: str, after_message: int
    ) -> None:
        self.injections.append(Injection(turn, tuple(agents), text, source, after_message))

    @event(NameChosen)
    def _on_name_chosen(self, agent: str, name: str, raw_reply: str) -> None:
        self.chosen_names[agent] = name

    @event(ConversationPaused)
    def _on_paused(self, reason: str, turn: int) -> None:
        self.paused_reason = reason
        self.pending_request = None

    @event(ConversationResumed)
    def _on_resumed(self, reason: str) -> None:
        self.paused_reason = None

    @event(ConvergencePolicyChosen)
    def _on_convergence_policy_chosen(
        self, profile: str, weights: dict[str, float], action: str
    ) -> None:
        self.convergence_profile = profile
        self.convergence_weights = dict(weights) or None
        self.convergence_action = action

    @event(ConvergenceSettingsChanged)
    def _on_convergence_settings_changed(
        self, threshold: float | None, action: str, turn: int
    ) -> None:
        self.convergence_threshold = threshold
        self.convergence_action = action

    @event(StopConditionsChosen)
    def _on_stop_conditions_chosen(
        self, regexes: list[str], patterns: list[str], action: str
    ) -> None:
        self.stop_regexes = list(regexes)
        self.stop_patterns = list(patterns)
        self.stop_action = action

    @event(StopConditionMet)
    def _on_stop_condition_met(
        self,
        turn: int,
        kind: str,
        condition: str,
        first_turn: int,
        evidence: list[dict[str, Any]],
        action: str,
    ) -> None:
        self.stop_conditions_met.append((kind, condition, first_turn))

    @event(BudgetSet)
    def _on_budget_set(self, max_cost_usd: float | None, max_total_tokens: int | None) -> None:
        self.max_cost_usd = max_cost_usd
        self.max_total_tokens = max_total_tokens

    @event(BudgetReached)
    def _on_budget_reached(
        self, agent: str, turn: int, kind: str, limit: float, spent: float, estimate: float
    ) -> None:
        pass  # A fact for the record; the end that follows is its own event.

    @event(ConvergenceThresholdReached)
    def _on_convergence_threshold_reached(
        self, turn: int, convergence: float, threshold: float, action: str
    ) -> None:
        pass  # A fact for the record; the action taken is its own event (end or pause).


def _history_with_injections(
    agent: AgentId,
    prompt: str,
    messages: Sequence[RecordedMessage],
    system_prompt: str | None,
    injections: Sequence[Injection],
) -> list[ChatMessage]:
    """Like :func:`history_for`, with injected system messages at their recorded places."""
    entries: list[ChatMessage] = [ChatMessage("user", prompt)]
    for at in range(len(messages) + 1):
        entries += [ChatMessage("system", i.text) for i in injections if i.after_message == at]
        if at < len(messages):
            message = messages[at]
            role: Role = "assistant" if message.agent == agent else "user"
            entries.append(ChatMessage(role, message.text))
    history: list[ChatMessage] = [ChatMessage("system", system_prompt)] if system_prompt else []
    for entry in entries:
        if history and history[-1].role == entry.role and entry.role != "system":
            history[-1] = ChatMessage(entry.role, history[-1].content + "\n\n" + entry.content)
        else:
            history.append(entry)
    return history
