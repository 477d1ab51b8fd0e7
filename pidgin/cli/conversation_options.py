"""Conversation settings on the command line that a spec file also has: per agent (shared
by ``chat`` and ``experiment start``, so an asymmetric pair needs no spec file) and the
convergence policy of ``experiment start``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pidgin.cli.types import TEMPERATURE

if TYPE_CHECKING:
    from pidgin.domain import AgentId

F = TypeVar("F", bound=Callable[..., Any])
MAX_TOKENS = click.IntRange(1, 1_000_000)


def agent_options(function: F) -> F:
    """``--temperature-a/-b``, ``--max-tokens`` and ``--max-tokens-a/-b``."""
    options = [
        click.option(
            "--temperature-a",
            type=TEMPERATURE,
            default=None,
            help="Agent A's temperature (overrides --temperature).",
        ),
        click.option(
            "--temperature-b",
            type=TEMPERATURE,
            default=None,
            help="Agent B's temperature (overrides --temperature).",
        ),
        click.option(
            "--max-tokens",
            type=MAX_TOKENS,
            default=None,
            help="Longest reply of either agent, in tokens (default: each provider's own). "
            "Recorded, and sent in every request.",
        ),
        click.option(
            "--max-tokens-a",
            type=MAX_TOKENS,
            default=None,
            help="Agent A's longest reply (overrides --max-tokens).",
        ),
        click.option(
            "--max-tokens-b",
            type=MAX_TOKENS,
            default=None,
            help="Agent B's longest reply (overrides --max-tokens).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _check_profile(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from projections.metrics import WeightsError, parse_weights

    try:
        parse_weights(value)
    except WeightsError as error:
        raise click.BadParameter(str(error)) from None
    return value


def convergence_options(function: F) -> F:
    """``experiment start``'s ``--convergence-action`` and ``--convergence-profile`` (None
    when not given, so a spec file's value stands)."""
    options = [
        click.option(
            "--convergence-action",
            type=click.Choice(["stop", "notify"]),
            default=None,
            help="At the threshold: stop (end with high_convergence; the default) or notify "
            "(record it and go on). pause needs a person: use it in chat.",
        ),
        click.option(
            "--convergence-profile",
            default=None,
            callback=_check_profile,
            metavar="PROFILE|WEIGHTS",
            help="Convergence weights: balanced (the default), structural, semantic, strict, "
            "or custom weights summing to 1, as in chat.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def per_agent(both: Any, agent_a: Any, agent_b: Any) -> dict[AgentId, Any]:
    """Each agent's value: its own option if given, else the one for both."""
    return {
        "a": both if agent_a is None else agent_a,
        "b": both if agent_b is None else agent_b,
    }
