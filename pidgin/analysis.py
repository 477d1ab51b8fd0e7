"""Pidgin's analysis tables in a notebook, as DuckDB relations, Arrow tables, or pandas
and polars data frames (docs/analysis.md)::

    import pidgin.analysis

    with pidgin.analysis.open("pidgin_output") as data:   # brings pidgin.duckdb up to date
        conversations = data.polars("conversations")
        data.sql("SELECT * FROM convergence_by_turn").df()

Given an output directory or a store URL, the log is projected first (only the events
after the database's position), then the database is opened read-only; given a
``.duckdb`` file, that file is only read. Every id is text, so frames join on
``conversation_id`` / ``experiment_id`` in any library.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pidgin.errors import PidginError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

DEFAULT_OUTPUT = Path("pidgin_output")
DATABASE_FILE = "pidgin.duckdb"
STORE_FILE = "events.db"
_OPEN: weakref.WeakSet[Analysis] = weakref.WeakSet()
"""The databases this process has open, to explain why one cannot be updated."""


class AnalysisError(PidginError):
    """The data cannot be opened as asked (no log, no database, a database to rebuild)."""


class Analysis:
    """An analysis database opened read-only: each table and view by name."""

    def __init__(self, database: Path) -> None:
        import duckdb

        from projections.analysis.schema import TABLES, VIEWS

        self.database = database
        self.tables: tuple[str, ...] = (*TABLES, *VIEWS, "projection_state")
        try:
            self.connection = duckdb.connect(str(database), read_only=True)
            self.connection.execute("SET TimeZone = 'UTC'")
        except duckdb.Error as error:
            raise AnalysisError(f"cannot open {database}: {_first_line(error)}") from None
        _OPEN.add(self)

    def relation(self, table: str) -> duckdb.DuckDBPyRelation:
        """A table or view as a lazy DuckDB relation (filter, join, aggregate, then fetch)."""
        from projections.analysis.schema import table_query

        if table not in self.tables:
            raise AnalysisError(f"no table {table!r}; tables: {', '.join(self.tables)}")
        return self.connection.sql(table_query(table))

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """Any SQL over the tables; fetch with ``.df()``, ``.pl()`` or ``.fetchall()``."""
        return self.connection.sql(query)

    def arrow(self, table: str) -> pa.Table:
        return self.relation(table).to_arrow_table()

    def pandas(self, table: str) -> Any:
        """A pandas DataFrame (needs ``pip install pandas``)."""
        return self.relation(table).df()

    def polars(self, table: str) -> Any:
        """A polars DataFrame (needs ``pip install polars``)."""
        return self.relation(table).pl()

    def close(self) -> None:
        self.connection.close()
        _OPEN.discard(self)

    def __enter__(self) -> Analysis:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open(  # the module's verb: ``pidgin.analysis.open(...)``, like ``io.open``
    source: str | Path = DEFAULT_OUTPUT,
    *,
    database: str | Path | None = None,
    update: bool = True,
    metrics: bool = True,
) -> Analysis:
    """Open the analysis tables of ``source``.

    ``source``: an output directory (its ``events.db`` is the log and ``pidgin.duckdb``
    the database), a store URL (``sqlite:///…``, ``jsonl:///…``, ``postgresql://…``;
    the database is ``database`` or ``pidgin_output/pidgin.duckdb``), or a ``.duckdb``
    file, read as it is. ``update=False`` never projects; ``metrics=False`` skips the
    per-turn metrics (as ``pidgin project --no-metrics``).
    """
    text = str(source)
    if "://" in text:
        store: str | None = text
        target = Path(database) if database is not None else DEFAULT_OUTPUT / DATABASE_FILE
    elif Path(source).is_dir():
        log_file = Path(source) / STORE_FILE
        store = f"sqlite:///{str(log_file.absolute()).lstrip('/')}" if log_file.exists() else None
        target = Path(database) if database is not None else Path(source) / DATABASE_FILE
    else:
        store, target = None, Path(source)
    if store is not None and update:
        if any(data.database.resolve() == target.resolve() for data in _OPEN):
            raise AnalysisError(
                f"{target} is still open in this process: close it first (data.close(), "
                "or open it in a with block), or pass update=False"
            )
        _project(store, target, metrics)
    if not target.is_file():
        raise AnalysisError(
            f"no analysis database at {target} and no log to project it from"
            if store is None
            else f"no analysis database at {target} (open it with update=True)"
        )
    return Analysis(target)


def _project(store: str, database: Path, metrics: bool) -> None:
    """Bring ``database`` up to date with the log at ``store``."""
    import duckdb

    from eventlog import open_store
    from eventlog.errors import EventLogError
    from projections.analysis import ProjectionError, project_to_duckdb

    try:
        with open_store(store, create=False) as log:
            project_to_duckdb(log, database, metrics=metrics)
    except (ProjectionError, EventLogError) as error:
        raise AnalysisError(str(error)) from None
    except (duckdb.Error, OSError) as error:
        raise AnalysisError(f"cannot update {database}: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
