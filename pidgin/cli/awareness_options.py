"""The awareness options shared by ``chat``, ``branch`` and ``experiment start``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pidgin.domain import AgentId

F = TypeVar("F", bound=Callable[..., Any])
PRESETS = "none, basic, firm, research, backrooms"


def _check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from pidgin.errors import PidginError
    from pidgin.experiments.awareness import check_choice

    try:
        return check_choice(value)
    except PidginError as error:
        raise click.BadParameter(str(error)) from None


def awareness_options(function: F) -> F:
    options = [
        click.option(
            "-w",
            "--awareness",
            callback=_check,
            metavar="LEVEL|FILE",
            help=f"System prompts for both agents: {PRESETS}, or an awareness YAML file.",
        ),
        click.option(
            "--awareness-a",
            callback=_check,
            metavar="LEVEL|FILE",
            help="Awareness for agent A only (overrides -w).",
        ),
        click.option(
            "--awareness-b",
            callback=_check,
            metavar="LEVEL|FILE",
            help="Awareness for agent B only (overrides -w).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def awareness_choices(
    both: str | None, agent_a: str | None, agent_b: str | None
) -> dict[AgentId, str] | None:
    """Each agent's choice, or None when no awareness option was given."""
    if both is None and agent_a is None and agent_b is None:
        return None
    return {"a": agent_a or both or "none", "b": agent_b or both or "none"}
