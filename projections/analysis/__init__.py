"""The analysis projection: DuckDB tables (and Parquet files) rebuilt from the log."""

from projections.analysis.duckdb_projection import (
    DatabaseBusy,
    ProjectionError,
    ProjectionResult,
    project_to_duckdb,
)
from projections.analysis.parquet import export_parquet, export_partitioned

__all__ = [
    "DatabaseBusy",
    "ProjectionError",
    "ProjectionResult",
    "export_parquet",
    "export_partitioned",
    "project_to_duckdb",
]
