"""The conductor: runs a conversation turn by turn and records every fact as it happens.

Each turn, the first speaker then the other is asked for a message. Everything that
happened since the last commit (the previous message, the turn's completion, the new
request) is committed in one transaction right before a provider is called, and at the
end. So a completed message is always on disk before the next request starts, at two
commits per turn. Events are published on the EventBus only after they are in the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from eventlog import EventLog
from pidgin.bus import EventBus, MessageChunk
from pidgin.domain import AgentId, Conversation
from pidgin.providers.base import Provider, ProviderError
from projections.metrics import live_convergence


class Conductor:
    """Drives one conversation between two providers, recording into ``log``."""

    def __init__(self, log: EventLog, bus: EventBus, providers: Mapping[AgentId, Provider]):
        self._log = log
        self._bus = bus
        self._providers = providers

    async def run(self, conversation: Conversation) -> Conversation:
        """Run ``conversation`` until it ends; on cancellation record ``interrupted``.

        Works for a new conversation and for one rebuilt from the log part-way through.
        """
        try:
            await self._commit(conversation)
            while not conversation.is_ended:
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
        already_spoken = {m.agent for m in conversation.messages if m.turn == turn}
        for agent in conversation.speaking_order:
            if agent in already_spoken:
                continue
            await self._take_message(conversation, agent, turn)
            if conversation.is_ended:
                return
        latest = conversation.latest_texts()
        assert latest is not None
        score = live_convergence(*latest)
        conversation.complete_turn(turn, score)
        threshold = conversation.convergence_threshold
        if threshold is not None and score >= threshold:
            conversation.end("high_convergence")
        elif turn >= conversation.max_turns:
            conversation.end("max_turns")

    async def _take_message(self, conversation: Conversation, agent: AgentId, turn: int) -> None:
        provider = self._providers[agent]
        spec = conversation.agents[agent]
        conversation.request_message(agent, turn)
        await self._commit(conversation)  # Durable: all before this request, and the request.

        history = conversation.history_for(agent)
        parts: list[str] = []
        started = time.perf_counter()
        first_token_at: float | None = None
        try:
            async for chunk in provider.stream_response(history, spec.temperature):
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                parts.append(chunk)
                await self._bus.publish(MessageChunk(conversation.id, agent, turn, chunk))
        except ProviderError as error:
            self._record_failure(conversation, agent, provider.name, str(error), error.status)
            await self._commit(conversation)
            return
        except Exception as error:  # A provider bug must not lose the conversation so far.
            self._record_failure(conversation, agent, provider.name, repr(error), None)
            await self._commit(conversation)
            return
        finished = time.perf_counter()

        usage = provider.last_usage
        text = "".join(parts)
        conversation.complete_message(
            agent,
            turn,
            text,
            tokens_in=usage.tokens_in if usage else 0,
            tokens_out=usage.tokens_out if usage else 0,
            time_to_first_token=None if first_token_at is None else first_token_at - started,
            duration=finished - started,
            model=usage.model if usage else spec.model,
            stop_reason=usage.stop_reason if usage else None,
            thinking=usage.thinking if usage else None,
        )

    @staticmethod
    def _record_failure(
        conversation: Conversation,
        agent: AgentId,
        provider_name: str,
        message: str,
        status: int | None,
    ) -> None:
        conversation.record_provider_error(agent, provider_name, message, status=status)
        conversation.end("error")

    async def _commit(self, conversation: Conversation) -> None:
        """Save pending events, then tell the bus (only what is durable is published)."""
        events = conversation.collect_events()
        if not events:
            return
        self._log.save(*events)
        for event in events:
            await self._bus.publish(event)
