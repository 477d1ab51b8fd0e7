"""Token totals and dollar costs per conversation, read from the log.

Costs use the per-million prices recorded in each agent's settings when the conversation
started (see pidgin.domain.pricing), never today's registry, so they replay identically.
Tokens read from or written to a prompt cache are priced at the recorded cache prices;
a reply whose cost a gateway reported (OpenRouter) counts at that cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventlog import EventLog
from pidgin.domain import Conversation
from pidgin.domain.pricing import cost_in_dollars


@dataclass
class AgentTotals:
    """One agent's token counts (unknown counts add nothing) and what its cost needs."""

    tokens_in: int = 0
    tokens_out: int = 0
    cache_read: int = 0
    cache_write: int = 0
    priced_in: int = 0
    """The tokens of replies with no reported cost, which are priced from the tokens."""
    priced_out: int = 0
    priced_read: int = 0
    priced_write: int = 0
    reported_cost: float | None = None
    """The sum of the costs a gateway reported (None: no reply had one)."""
    priced_replies: int = 0
    unknown: int = 0
    """Replies whose provider reported no token counts (they add nothing above)."""

    def add(
        self,
        tokens_in: int | None,
        tokens_out: int | None,
        cache_read: int | None = None,
        cache_write: int | None = None,
        reported_cost: float | None = None,
    ) -> None:
        if tokens_in is None or tokens_out is None:
            self.unknown += 1
        t_in, t_out = tokens_in or 0, tokens_out or 0
        read, write = cache_read or 0, cache_write or 0
        self.tokens_in += t_in
        self.tokens_out += t_out
        self.cache_read += read
        self.cache_write += write
        if reported_cost is not None:
            self.reported_cost = (self.reported_cost or 0.0) + reported_cost
            return
        self.priced_replies += 1
        self.priced_in += t_in
        self.priced_out += t_out
        self.priced_read += read
        self.priced_write += write

    @property
    def pair(self) -> tuple[int, int]:
        return self.tokens_in, self.tokens_out


TokenTotals = dict[str, AgentTotals]
"""Agent id → its totals."""


def add_message(totals: AgentTotals, event: Any) -> None:
    """Add one MessageCompleted event (any version, upcast) to ``totals``."""
    totals.add(
        event.tokens_in,
        event.tokens_out,
        event.cache_read_tokens,
        event.cache_write_tokens,
        event.reported_cost_usd,
    )


def token_totals(log: EventLog) -> dict[UUID, TokenTotals]:
    """Each agent's totals of every conversation, from MessageCompleted events."""
    totals: dict[UUID, dict[str, AgentTotals]] = defaultdict(lambda: defaultdict(AgentTotals))
    for recorded in log.read(event_types=(Conversation.MessageCompleted,)):
        event = recorded.event
        add_message(totals[event.originator_id][event.agent], event)
    return {cid: dict(agents) for cid, agents in totals.items()}


def agent_cost(spec: Mapping[str, Any], totals: AgentTotals) -> float | None:
    """US dollars one agent's replies cost at the prices recorded for it (plus what a
    gateway reported); None when a price that is needed is unknown."""
    priced = cost_in_dollars(
        totals.priced_in,
        totals.priced_out,
        spec.get("input_price_per_million"),
        spec.get("output_price_per_million"),
        cache_read=totals.priced_read,
        cache_write=totals.priced_write,
        cache_read_price_per_million=spec.get("cache_read_price_per_million"),
        cache_write_price_per_million=spec.get("cache_write_price_per_million"),
    )
    if totals.reported_cost is None:
        return priced
    if priced is None and totals.priced_replies:
        return None
    return round((priced or 0.0) + totals.reported_cost, 9)


def conversation_cost(agents: Mapping[str, Mapping[str, Any]], totals: TokenTotals) -> float | None:
    """US dollars for both agents, or None when an agent's prices are unknown."""
    costs = [agent_cost(spec, totals.get(agent, AgentTotals())) for agent, spec in agents.items()]
    if any(cost is None for cost in costs):
        return None
    return round(sum(cost for cost in costs if cost is not None), 9)
