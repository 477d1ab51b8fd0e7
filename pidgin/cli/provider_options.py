"""Options of ``chat`` and ``experiment start`` about what requests may cost and ask
for: budgets, prompt caching and thinking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from pidgin.cli.types import DOLLARS

F = TypeVar("F", bound=Callable[..., Any])


def _thinking(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from pidgin.providers.thinking import ThinkingError, parse_thinking

    try:
        return parse_thinking(value)
    except ThinkingError as error:
        raise click.BadParameter(str(error)) from None


def provider_options(function: F) -> F:
    """--max-cost, --max-total-tokens, --no-cache, --think-a and --think-b."""
    options = [
        click.option(
            "--max-cost",
            type=DOLLARS,
            default=None,
            metavar="USD",
            help="End a conversation (reason budget) before the request that would take "
            "its cost past USD dollars (estimated from the history).",
        ),
        click.option(
            "--max-total-tokens",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="End a conversation (reason budget) before the request that would take "
            "its tokens (in + out) past N.",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Do not mark the history for prompt caching (Anthropic; on by default).",
        ),
        click.option(
            "--think-a",
            default=None,
            metavar="LEVEL",
            callback=_thinking,
            help="Extended thinking / reasoning for agent A: low, medium, high or a "
            "budget in tokens (>= 1024). Recorded with the thinking text.",
        ),
        click.option(
            "--think-b",
            default=None,
            metavar="LEVEL",
            callback=_thinking,
            help="The same for agent B.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function
