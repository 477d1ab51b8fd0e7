"""``pidgin project``: bring the analysis database (or Parquet files) up to date with the log."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pidgin.cli.common import UserError, output_option, store_option, store_url

if TYPE_CHECKING:
    from eventlog import EventLog
    from projections.analysis import ProjectionResult

DATABASE_FILE = "pidgin.duckdb"


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--to",
    "target",
    type=click.Choice(["duckdb", "parquet"]),
    default="duckdb",
    show_default=True,
    help="duckdb: PATH is the database (default OUTPUT/pidgin.duckdb). parquet: PATH is a "
    "directory that gets one .parquet file per table (and keeps its own pidgin.duckdb).",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Drop every table and project the whole log again (recomputes every metric).",
)
@click.option(
    "--no-metrics",
    is_flag=True,
    help="Skip the per-turn metrics (turn_metrics stays empty); much faster on big logs.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes computing metrics; 0: every core, once a batch has 2,000+ turns.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Events per transaction (bounds memory; each batch commits with its position).",
)
@click.option(
    "--follow",
    is_flag=True,
    help="Keep going: update the database each time events arrive (PostgreSQL pushes, "
    "SQLite and JSONL are polled), one line per update, until Ctrl+C.",
)
@click.option(
    "--partition-by",
    type=click.Choice(["experiment"]),
    default=None,
    help="With --to parquet: one hive-partitioned dataset per table, "
    "PATH/TABLE/experiment_id=ID/part-0.parquet.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (no update lines).")
@store_option
@output_option
def project(
    path: Path | None,
    target: str,
    rebuild: bool,
    no_metrics: bool,
    workers: int,
    batch_size: int,
    follow: bool,
    partition_by: str | None,
    quiet: bool,
    store: str | None,
    output: Path,
) -> None:
    """Project the event log into analysis tables: only events after the saved position.

    Running it twice adds nothing; a run killed half-way is finished by the next one.
    A value no column can hold (a seed past 2^63) is projected as NULL and named by its
    store and position, the rest of the log is projected, and the exit code is 1.
    Query the result with `pidgin query "SQL"` (tables: docs/analysis.md).

    Example: pidgin project --to duckdb && pidgin query "SELECT * FROM convergence_by_turn"
    """
    import duckdb

    from eventlog import open_store
    from projections.analysis import export_parquet, export_partitioned

    if follow and target != "duckdb":
        raise click.BadParameter(
            "it updates a DuckDB database: use --to duckdb", param_hint="--follow"
        )
    if partition_by and target != "parquet":
        raise click.BadParameter("it writes Parquet: use --to parquet", param_hint="--partition-by")
    if target == "parquet":
        if path is None:
            raise click.BadParameter("--to parquet needs a directory", param_hint="PATH")
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} is a file, not a directory")
        database = path / DATABASE_FILE
    else:
        database = path or output / DATABASE_FILE
        if database.is_dir():
            raise UserError(f"{database} is a directory, not a DuckDB database file")
    with open_store(store_url(store, output), create=False) as log:
        try:
            with _as_user_errors(database):
                started = time.monotonic()
                result = _run(log, database, rebuild, not no_metrics, workers, batch_size, quiet)
                if follow:
                    first = (result, time.monotonic() - started)
                    _follow(log, database, not no_metrics, workers, batch_size, quiet, first)
        except BaseException as error:
            if not _interrupted(error):
                raise
            click.echo(
                f"interrupted: {database} keeps every batch committed before; "
                "the same command continues from there",
                err=True,
            )
            sys.exit(130)
    click.echo(
        f"Projected {result.events:,} events ({result.turn_metrics:,} turn metric rows); "
        f"{database} is at position {result.position:,}"
    )
    if result.note:
        click.echo(f"Note: {result.note}", err=True)
    for problem in result.problems:
        click.echo(f"Error: {problem}", err=True)
    if target == "parquet":
        assert path is not None
        try:
            if partition_by:
                tables = export_partitioned(database, path)
            else:
                files = export_parquet(database, path)
        except (duckdb.Error, OSError) as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            raise UserError(f"cannot write Parquet files to {path}: {reason}") from None
        if partition_by:
            click.echo(f"Wrote {len(tables)} tables partitioned by experiment_id to {path}")
        else:
            click.echo(f"Wrote {len(files)} Parquet files to {path}")
    if result.problems:
        sys.exit(1)


@contextmanager
def _as_user_errors(database: Path) -> Iterator[None]:
    """The projection's errors as one-line user errors; DuckDB's interrupt as Ctrl+C."""
    import duckdb

    from projections.analysis import ProjectionError

    try:
        yield
    except ProjectionError as error:
        raise UserError(str(error)) from None
    except duckdb.InterruptException as error:
        raise KeyboardInterrupt from error
    except (duckdb.Error, OSError) as error:
        # A database that is locked by another process, damaged or not writable.
        reason = " ".join(str(error).split()) or type(error).__name__
        raise UserError(f"cannot update {database}: {reason}") from None


def _interrupted(error: BaseException) -> bool:
    """Ctrl+C, even when a library re-raised it as an error of its own (the SQLite
    reader does), or a second Ctrl+C while the first was being handled."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _run(
    log: EventLog,
    database: Path,
    rebuild: bool,
    metrics: bool,
    workers: int,
    batch_size: int,
    quiet: bool,
) -> ProjectionResult:
    """Project, with a progress bar showing events per second unless ``quiet``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from projections.analysis import project_to_duckdb

    if quiet:
        return project_to_duckdb(
            log,
            database,
            rebuild=rebuild,
            metrics=metrics,
            workers=workers,
            batch_size=batch_size,
        )
    columns = (
        TextColumn("projecting"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} events"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("project", total=1, rate="")

        def progress(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:,.0f} events/s" if elapsed > 0 else ""
            bar.update(task, completed=done, total=total, rate=rate)

        return project_to_duckdb(
            log,
            database,
            rebuild=rebuild,
            metrics=metrics,
            workers=workers,
            batch_size=batch_size,
            progress=progress,
        )


def _follow(
    log: EventLog,
    database: Path,
    metrics: bool,
    workers: int,
    batch_size: int,
    quiet: bool,
    first: tuple[ProjectionResult, float],
) -> None:
    """Update ``database`` each time events arrive, one line per update, until Ctrl+C."""
    from projections.analysis.follow import follow_to_duckdb

    def update(result: ProjectionResult, seconds: float) -> None:
        if not quiet:
            click.echo(_update_line(result, seconds))

    def busy() -> None:
        if not quiet:
            click.echo(f"{_clock()}  waiting: another process has {database.name} open")

    update(*first)
    if not quiet:
        click.echo(f"{_clock()}  following {log.url} (Ctrl+C stops)")
    follow_to_duckdb(
        log,
        database,
        metrics=metrics,
        workers=workers,
        batch_size=batch_size,
        on_update=update,
        on_busy=busy,
    )


def _update_line(result: ProjectionResult, seconds: float) -> str:
    """One update in under 80 columns: when, how much, where the database is now."""
    return (
        f"{_clock()}  +{result.events:,} events, +{result.turn_metrics:,} metric rows "
        f"in {seconds:.2f}s; at position {result.position:,}"
    )


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def bring_up_to_date(
    store: str | None, output: Path, *, rebuild: bool = False, metrics: bool = True
) -> Path:
    """The default analysis database (OUTPUT/pidgin.duckdb), projected up to the end of
    the log first: for commands that read it (findings, reports)."""
    from eventlog import open_store

    database = output / DATABASE_FILE
    if database.is_dir():
        raise UserError(f"{database} is a directory, not a DuckDB database file")
    with open_store(store_url(store, output), create=False) as log, _as_user_errors(database):
        _run(log, database, rebuild, metrics, 0, 100_000, quiet=True)
    return database
