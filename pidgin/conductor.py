"""The conductor: runs a conversation turn by turn and records every fact as it happens.

Each turn, the first speaker then the other is asked for a message. Everything that
happened since the last commit (the previous message, the turn's completion, the new
request) is committed in one transaction right before a provider is called, and at the
end. So a completed message is always on disk before the next request starts, at two
commits per turn. Events are published on the EventBus only after they are in the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import structlog

from eventlog import EventLog
from pidgin.bus import EventBus, MessageChunk
from pidgin.domain import AgentId, Conversation
from pidgin.providers.base import (
    ContextLimitError,
    EmptyReply,
    Provider,
    ProviderError,
    ProviderTimeout,
)
from pidgin.providers.keys import known_secrets
from pidgin.providers.pacing import Pacing
from pidgin.providers.rate_limit import estimate_tokens
from pidgin.providers.redaction import redact_text
from pidgin.providers.retry import RetryPolicy
from pidgin.providers.streaming import stream_reply
from pidgin.stop_conditions import check_message, check_turn
from pidgin.turn_setup import choose_names, inject_due_prompts
from projections.metrics import conversation_convergence

logger = structlog.get_logger("pidgin.conductor")

DEFAULT_PACING = Pacing(retry=RetryPolicy(max_attempts=1))
"""For agents given no pacing (tests, benchmarks): one attempt, no rate limit."""


class Conductor:
    """Drives one conversation between two providers, recording into ``log``."""

    def __init__(
        self,
        log: EventLog,
        bus: EventBus,
        providers: Mapping[AgentId, Provider],
        pacing: Mapping[AgentId, Pacing] | None = None,
    ):
        self._log = log
        self._bus = bus
        self._providers = providers
        self._pacing: Mapping[AgentId, Pacing] = pacing or {}
        self._pause_reason: str | None = None

    def request_pause(self, reason: str) -> None:
        """Pause after the message being written now (or at once, between messages)."""
        self._pause_reason = reason

    async def run(self, conversation: Conversation) -> Conversation:
        """Run ``conversation`` until it ends or pauses; on cancellation record ``interrupted``.

        Works for a new conversation and for one rebuilt from the log part-way through;
        a paused one is resumed first. Returns with ``conversation.is_paused`` set when
        :meth:`request_pause` was called.
        """
        try:
            if conversation.is_paused and not conversation.is_ended:
                conversation.resume("resumed")
            await self._commit(conversation)
            await choose_names(conversation, self._providers)
            while not conversation.is_ended and not self._paused_on_request(conversation):
                if conversation.completed_turns >= conversation.max_turns:
                    conversation.end("max_turns")  # A log whose last turn lacks its end.
                    break
                await self._run_turn(conversation)
            await self._commit(conversation)
        except (asyncio.CancelledError, KeyboardInterrupt):
            if not conversation.is_ended:
                conversation.end("interrupted")
                await self._commit(conversation)
            raise
        return conversation

    async def _run_turn(self, conversation: Conversation) -> None:
        turn = conversation.completed_turns + 1
        if conversation.current_turn != turn:
            conversation.start_turn(turn)
        inject_due_prompts(conversation, turn)
        already_spoken = {m.agent for m in conversation.messages if m.turn == turn}
        for agent in conversation.speaking_order:
            if agent in already_spoken:
                continue
            await self._take_message(conversation, agent, turn)
            if conversation.is_ended or self._paused_on_request(conversation):
                return
            if check_message(conversation):
                self._act_on_stop_condition(conversation, turn, "stop_regex")
                return
        score = conversation_convergence(
            [(m.agent, m.text) for m in conversation.messages], conversation.convergence_weights
        )
        conversation.complete_turn(turn, score)
        threshold = conversation.convergence_threshold
        if threshold is not None and score >= threshold:
            # The decision is recorded; stop ends, pause stops running until resumed
            # (a pause on the last turn ends it with max_turns instead), notify goes on.
            action = conversation.convergence_action
            conversation.reach_convergence_threshold(turn, score, threshold, action)
            if action == "stop":
                conversation.end("high_convergence")
                return
            if action == "pause" and turn < conversation.max_turns:
                conversation.pause("high_convergence")
                return
        if check_turn(conversation, turn):
            self._act_on_stop_condition(conversation, turn, "stop_pattern")
            return
        if turn >= conversation.max_turns:
            conversation.end("max_turns")

    @staticmethod
    def _act_on_stop_condition(conversation: Conversation, turn: int, reason: str) -> None:
        """End, or pause until resumed (after the last turn's patterns: end, max_turns)."""
        pausable = reason == "stop_regex" or turn < conversation.max_turns
        if conversation.stop_action == "pause" and pausable:
            conversation.pause(reason)
        elif conversation.stop_action == "pause":
            conversation.end("max_turns")
        else:
            conversation.end(reason)

    async def _take_message(self, conversation: Conversation, agent: AgentId, turn: int) -> None:
        """Ask ``agent`` for its message, retrying with backoff; every failed attempt is a
        ProviderErrored event, every wait for a rate limit a RateLimited event. Only a reply
        whose stream finished is recorded as completed; after the last attempt the
        conversation ends with reason ``error``."""
        provider = self._providers[agent]
        spec = conversation.agents[agent]
        pacing = self._pacing.get(agent) or DEFAULT_PACING
        history = conversation.history_for(agent)
        estimate = estimate_tokens(sum(len(m.content) for m in history))
        if conversation.has_budget:
            reply_estimate = _expected_reply(conversation, agent)
            if conversation.check_budget(agent, turn, estimate, reply_estimate):
                return
        conversation.request_message(agent, turn)
        await self._commit(conversation)  # Durable: all before this request, and the request.

        async def publish(chunk: str) -> None:
            await self._bus.publish(MessageChunk(conversation.id, agent, turn, chunk))

        attempt = 0
        while True:
            attempt += 1
            await self._respect_rate_limit(conversation, agent, provider.name, pacing, estimate)
            try:
                reply = await stream_reply(
                    provider,
                    history,
                    spec.temperature,
                    publish,
                    conversation.seed,
                    spec.max_tokens,
                )
            except ProviderError as error:
                retry = pacing.retry.should_retry(error, attempt)
                message = redact_text(str(error), known_secrets())
                # A retry is routine (info); giving up is worth a warning.
                log = logger.info if retry else logger.warning
                log(
                    "provider_error",
                    provider=provider.name,
                    status=error.status,
                    attempt=attempt,
                    retrying=retry,
                    error=message,
                )
                conversation.record_provider_error(
                    agent,
                    provider.name,
                    message,
                    status=error.status,
                    retryable=error.retryable,
                    attempt=attempt,
                )
                if not retry:
                    conversation.end(_end_reason(error))
                    return
                delay = pacing.retry.delay(attempt, error.retry_after)
                if error.status == 429:
                    conversation.record_rate_limited(agent, provider.name, delay, "provider_429")
                await self._commit(conversation)
                await asyncio.sleep(delay)
                continue
            break

        pacing.limiter.record(max(0, reply.tokens - estimate), request=False)
        usage = reply.usage
        conversation.complete_message(
            agent,
            turn,
            reply.text,
            tokens_in=usage.tokens_in if usage else None,
            tokens_out=usage.tokens_out if usage else None,
            time_to_first_token=reply.time_to_first_token,
            duration=reply.duration,
            model=usage.model if usage else spec.model,
            stop_reason=usage.stop_reason if usage else None,
            thinking=usage.thinking if usage else None,
            cache_read_tokens=usage.cache_read if usage else None,
            cache_write_tokens=usage.cache_write if usage else None,
            thinking_tokens=usage.thinking_tokens if usage else None,
            reported_cost_usd=usage.reported_cost if usage else None,
        )

    async def _respect_rate_limit(
        self,
        conversation: Conversation,
        agent: AgentId,
        provider: str,
        pacing: Pacing,
        tokens: int,
    ) -> None:
        """Wait (recording each wait) until the provider's client-side limits allow a request."""
        while (wait := pacing.limiter.wait_before(tokens)) is not None:
            conversation.record_rate_limited(agent, provider, round(wait.seconds, 3), wait.reason)
            await self._commit(conversation)
            await asyncio.sleep(wait.seconds)
        pacing.limiter.record(tokens)

    def _paused_on_request(self, conversation: Conversation) -> bool:
        """Record the requested pause (once) and say whether the conversation is paused."""
        if self._pause_reason is not None and not conversation.is_ended:
            conversation.pause(self._pause_reason)
            self._pause_reason = None
        return conversation.is_paused

    async def _commit(self, conversation: Conversation) -> None:
        """Save pending events, then tell the bus (only what is durable is published)."""
        events = conversation.collect_events()
        if not events:
            return
        self._log.save(*events)
        for event in events:
            await self._bus.publish(event)


def _end_reason(error: ProviderError) -> str:
    """The end reason after a request failed for good."""
    if isinstance(error, ContextLimitError):
        return "context_limit"
    if isinstance(error, ProviderTimeout):
        return "timeout"
    if isinstance(error, EmptyReply):
        return "empty_response"
    return "error"


def _expected_reply(conversation: Conversation, agent: AgentId) -> int:
    """Tokens the next reply of ``agent`` is expected to use, for a budget: as many as
    its longest reply so far (estimated from its text), else as the latest message."""
    lengths = [len(m.text) for m in conversation.messages if m.agent == agent]
    if not lengths:
        lengths = [len(m.text) for m in conversation.messages[-1:]] or [len(conversation.prompt)]
    return estimate_tokens(max(lengths))
