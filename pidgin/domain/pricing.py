"""What a conversation cost, from token counts and prices in US dollars per MILLION tokens.

Prices are recorded in each agent's settings when a conversation starts, so the cost is
a pure function of the log: a transcript rebuilt next year shows the same figure.
"""

from __future__ import annotations

TOKENS_PER_PRICE_UNIT = 1_000_000
"""Prices are quoted per million tokens."""


def cost_in_dollars(
    tokens_in: int,
    tokens_out: int,
    input_price_per_million: float | None,
    output_price_per_million: float | None,
) -> float | None:
    """US dollars for the tokens at the given per-million prices; None if a price is unknown.

    1,000 input tokens at $3 per million cost 1_000 × 3 / 1_000_000 = $0.003.
    """
    if input_price_per_million is None or output_price_per_million is None:
        return None
    dollars = (
        tokens_in * input_price_per_million + tokens_out * output_price_per_million
    ) / TOKENS_PER_PRICE_UNIT
    return round(dollars, 9)


def format_dollars(amount: float | None) -> str:
    """``$0.003000`` (six decimals, so small costs are visible), or ``n/a`` when unknown."""
    return "n/a" if amount is None else f"${amount:,.6f}"
