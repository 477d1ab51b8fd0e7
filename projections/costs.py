"""Token totals and dollar costs per conversation, read from the log.

Costs use the per-million prices recorded in each agent's settings when the conversation
started (see pidgin.domain.pricing), never today's registry, so they replay identically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventlog import EventLog
from pidgin.domain import Conversation
from pidgin.domain.pricing import cost_in_dollars

TokenTotals = dict[str, tuple[int, int]]
"""Agent id → (tokens in, tokens out)."""


def token_totals(log: EventLog) -> dict[UUID, TokenTotals]:
    """(tokens in, tokens out) per agent of every conversation, from MessageCompleted events."""
    totals: dict[UUID, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for recorded in log.read(event_types=(Conversation.MessageCompleted,)):
        event = recorded.event
        pair = totals[event.originator_id][event.agent]
        pair[0] += event.tokens_in
        pair[1] += event.tokens_out
    return {
        cid: {agent: (pair[0], pair[1]) for agent, pair in agents.items()}
        for cid, agents in totals.items()
    }


def agent_cost(spec: Mapping[str, Any], tokens: tuple[int, int]) -> float | None:
    """US dollars one agent's (tokens in, tokens out) cost at the prices recorded for it."""
    return cost_in_dollars(
        tokens[0],
        tokens[1],
        spec.get("input_price_per_million"),
        spec.get("output_price_per_million"),
    )


def conversation_cost(agents: Mapping[str, Mapping[str, Any]], totals: TokenTotals) -> float | None:
    """US dollars for both agents, or None when an agent's prices are unknown."""
    costs = [agent_cost(spec, totals.get(agent, (0, 0))) for agent, spec in agents.items()]
    if any(cost is None for cost in costs):
        return None
    return round(sum(cost for cost in costs if cost is not None), 9)
