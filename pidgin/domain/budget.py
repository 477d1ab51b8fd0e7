"""What a conversation has spent so far, folded from its completed messages.

The spend is state of the aggregate, rebuilt from the log on every load, so a budget
survives a crash and a resume. Costs use the prices recorded in each agent's settings
(see pricing), or the cost a gateway reported for a reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from pidgin.domain.agents import AgentSpec
from pidgin.domain.pricing import cost_in_dollars

BUDGET_KINDS = ("cost", "tokens")


@dataclass(frozen=True, slots=True)
class Usage:
    """One reply's usage as MessageCompleted records it (None: not reported)."""

    tokens_in: int | None
    tokens_out: int | None
    cache_read: int | None = None
    cache_write: int | None = None
    reported_cost: float | None = None


def message_cost(spec: AgentSpec, usage: Usage) -> float | None:
    """US dollars one reply cost: what the gateway reported, else its tokens at the
    agent's recorded prices (None when a price is unknown)."""
    if usage.reported_cost is not None:
        return usage.reported_cost
    return cost_in_dollars(
        usage.tokens_in or 0,
        usage.tokens_out or 0,
        spec.input_price_per_million,
        spec.output_price_per_million,
        cache_read=usage.cache_read or 0,
        cache_write=usage.cache_write or 0,
        cache_read_price_per_million=spec.cache_read_price_per_million,
        cache_write_price_per_million=spec.cache_write_price_per_million,
    )


class Spend:
    """Tokens (in + out) and US dollars spent so far; ``cost`` is None once a reply's
    cost is unknown (a budget in dollars then cannot be checked and is not enforced)."""

    __slots__ = ("cost", "tokens")

    def __init__(self) -> None:
        self.tokens = 0
        self.cost: float | None = 0.0

    def add(self, spec: AgentSpec, usage: Usage) -> None:
        self.tokens += (usage.tokens_in or 0) + (usage.tokens_out or 0)
        cost = message_cost(spec, usage)
        self.cost = None if cost is None or self.cost is None else self.cost + cost


def exceeded(
    spend: Spend,
    max_cost_usd: float | None,
    max_total_tokens: int | None,
    estimated_tokens: int,
    estimated_cost: float | None,
) -> tuple[str, float, float] | None:
    """(kind, limit, spent) of the first budget the next request would cross, or None."""
    if max_total_tokens is not None and spend.tokens + estimated_tokens > max_total_tokens:
        return ("tokens", float(max_total_tokens), float(spend.tokens))
    if max_cost_usd is None or spend.cost is None or estimated_cost is None:
        return None
    if spend.cost + estimated_cost > max_cost_usd:
        return ("cost", max_cost_usd, spend.cost)
    return None
