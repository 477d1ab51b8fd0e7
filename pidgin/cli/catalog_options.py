"""The filters ``pidgin list`` and ``pidgin search`` share, and the catalog they read."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pidgin.cli.common import UserError, output_option, store_option

if TYPE_CHECKING:
    import sqlite3


F = TypeVar("F", bound=Callable[..., Any])


def filter_options(function: F) -> F:
    """Add --experiment, --model, --status, --since and --limit; pass one ``filters``."""

    @click.option("--experiment", metavar="ID|NAME", help="Only this experiment's conversations.")
    @click.option(
        "--model", metavar="TEXT", help="Only conversations where a model's name has TEXT."
    )
    @click.option(
        "--status",
        metavar="STATUS",
        help="ended, paused or unfinished (running or cut off), or an end reason "
        "(max_turns, high_convergence, error, interrupted, context_limit).",
    )
    @click.option(
        "--since", metavar="WHEN", help="Started since a date (2026-05-01) or an age (3d, 12h)."
    )
    @click.option(
        "--limit", type=click.IntRange(min=1), metavar="N", help="Only the newest N conversations."
    )
    @functools.wraps(function)
    def wrapper(
        *args: Any,
        experiment: str | None,
        model: str | None,
        status: str | None,
        since: str | None,
        limit: int | None,
        **kwargs: Any,
    ) -> Any:
        from projections.catalog_filters import Filters, check_status, parse_since

        try:
            filters = Filters(
                experiment=experiment,
                model=model,
                status=check_status(status) if status else None,
                since=parse_since(since) if since else None,
                limit=limit,
            )
        except ValueError as error:
            raise UserError(str(error)) from None
        return function(*args, filters=filters, **kwargs)

    return wrapper  # type: ignore[return-value]


def listing_options(function: F) -> F:
    """The filters, --format table|json, --store and --output of list and search."""
    formatted = click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="Lines that fit the terminal, or JSON for scripts.",
    )(function)
    return filter_options(store_option(output_option(formatted)))


@contextmanager
def catalog_for(url: str, output: Path) -> Iterator[sqlite3.Connection]:
    """The catalog of the store at ``url``, brought up to date with its log."""
    from eventlog import open_store
    from projections.catalog_open import open_catalog

    with open_store(url, create=False) as log, open_catalog(log, output) as connection:
        yield connection
