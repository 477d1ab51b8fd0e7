"""What ``--think-a/--think-b`` ask of each provider: a level or a budget in tokens.

``low``, ``medium`` and ``high`` are OpenAI's reasoning efforts; Anthropic and Gemini
take a budget of thinking tokens, so the levels map to budgets (and a number is a
budget, which OpenAI maps back to the nearest effort).
"""

from __future__ import annotations

LEVEL_BUDGETS = {"low": 2048, "medium": 8192, "high": 24576}
"""Thinking tokens for each level (Anthropic needs at least 1024)."""
MIN_BUDGET = 1024


class ThinkingError(ValueError):
    """A thinking setting that is neither a level nor a whole number of tokens."""


def parse_thinking(value: str | None) -> str | None:
    """The setting as recorded: a level, or a budget of at least 1,024 tokens as text."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in LEVEL_BUDGETS:
        return text
    if text.isdigit() and int(text) >= MIN_BUDGET:
        return str(int(text))
    raise ThinkingError(
        f"thinking must be low, medium, high or a budget of at least {MIN_BUDGET} tokens, "
        f"not {value!r}"
    )


def thinking_budget(value: str | None) -> int | None:
    """Thinking tokens for a recorded setting (None: no thinking asked for)."""
    if value is None:
        return None
    return LEVEL_BUDGETS.get(value) or int(value)


def reasoning_effort(value: str | None) -> str | None:
    """OpenAI's ``reasoning_effort`` for a recorded setting."""
    if value is None or value in LEVEL_BUDGETS:
        return value
    budget = int(value)
    return min(LEVEL_BUDGETS, key=lambda level: abs(LEVEL_BUDGETS[level] - budget))
