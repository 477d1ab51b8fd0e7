"""The stop-condition options shared by ``chat`` and ``experiment start``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _checked(check: str) -> Callable[..., tuple[str, ...]]:
    """A click callback running ``pidgin.stop_conditions.<check>`` (imported only when a
    value is given, so ``--help`` stays fast)."""

    def callback(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
        if not value:
            return value
        from pidgin import stop_conditions

        try:
            return tuple(getattr(stop_conditions, check)(value))
        except ValueError as error:
            raise click.BadParameter(str(error)) from None

    return callback


def stop_options(*, actions: tuple[str, ...]) -> Callable[[F], F]:
    """--stop-on, --stop-on-pattern and (when pausing is possible) --stop-action."""

    def decorate(function: F) -> F:
        function = click.option(
            "--stop-on",
            "stop_on",
            multiple=True,
            metavar="REGEX",
            callback=_checked("valid_regexes"),
            help="End the conversation when a message matches REGEX (repeatable), "
            "e.g. '\\^C\\^C'. Recorded with the match; end reason stop_regex.",
        )(function)
        function = click.option(
            "--stop-on-pattern",
            "stop_on_pattern",
            multiple=True,
            metavar="NAME",
            callback=_checked("valid_patterns"),
            help="End the conversation when this pattern detector fires live "
            "(repeatable): gratitude_spiral, echo, repetition_loop, ... (docs/patterns.md). "
            "End reason stop_pattern.",
        )(function)
        if len(actions) > 1:
            function = click.option(
                "--stop-action",
                type=click.Choice(actions),
                default="stop",
                show_default=True,
                help="What a stop condition does: stop (end) or pause (resumable).",
            )(function)
        return function

    return decorate
