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
    *,
    cache_read: int = 0,
    cache_write: int = 0,
    cache_read_price_per_million: float | None = None,
    cache_write_price_per_million: float | None = None,
) -> float | None:
    """US dollars for the tokens at the given per-million prices; None if a price is unknown.

    1,000 input tokens at $3 per million cost 1_000 × 3 / 1_000_000 = $0.003.
    ``cache_read`` and ``cache_write`` are the parts of ``tokens_in`` read from and
    written to a prompt cache, at their own prices (the input price when not known):
    1,000 input tokens of which 800 were read from the cache at $0.30 cost
    (200 × 3 + 800 × 0.3) / 1_000_000 = $0.00084.
    """
    if input_price_per_million is None or output_price_per_million is None:
        return None
    read_price = _or(cache_read_price_per_million, input_price_per_million)
    write_price = _or(cache_write_price_per_million, input_price_per_million)
    uncached = tokens_in - cache_read - cache_write
    dollars = (
        uncached * input_price_per_million
        + cache_read * read_price
        + cache_write * write_price
        + tokens_out * output_price_per_million
    ) / TOKENS_PER_PRICE_UNIT
    return round(dollars, 9)


def _or(price: float | None, fallback: float) -> float:
    return fallback if price is None else price


def format_dollars(amount: float | None) -> str:
    """``$0.003000`` (six decimals, so small costs are visible), or ``n/a`` when unknown."""
    return "n/a" if amount is None else f"${amount:,.6f}"
