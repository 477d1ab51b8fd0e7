"""The analysis projection: DuckDB tables (and Parquet files) rebuilt from the log."""

from projections.analysis.duckdb_projection import (
    ProjectionError,
    ProjectionResult,
    project_to_duckdb,
)
from projections.analysis.parquet import export_parquet

__all__ = ["ProjectionError", "ProjectionResult", "export_parquet", "project_to_duckdb"]
