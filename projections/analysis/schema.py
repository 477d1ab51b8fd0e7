"""The analysis database's tables and views (documented in docs/analysis.md).

``projection_state`` holds one row: the log position the tables are up to date with,
written in the same transaction as the rows, so a projection is exactly-once.
"""

from __future__ import annotations

from projections.metrics.turn import COLUMNS

SCHEMA_VERSION = 4
"""2: the findings table of the pattern detectors. 3: every id is VARCHAR (canonical
lower-case text, which pandas, polars, Arrow and Parquet all join alike); max_tokens per
agent; the experiment's seed. 4: prompt-cache prices and counts, thinking tokens and
gateway-reported costs; unknown token counts are NULL."""

STATE_TABLE = """
CREATE TABLE IF NOT EXISTS projection_state (
    position BIGINT NOT NULL,
    schema_version INTEGER NOT NULL,
    metrics_version VARCHAR,
    store VARCHAR NOT NULL,
    last_event VARCHAR,
    updated_at TIMESTAMPTZ
)
"""

TABLES: dict[str, str] = {
    "events": """
        CREATE TABLE events (
            position BIGINT NOT NULL,
            aggregate_id VARCHAR NOT NULL,
            version BIGINT NOT NULL,
            type VARCHAR NOT NULL,
            topic VARCHAR NOT NULL,
            recorded_at TIMESTAMPTZ,
            data JSON NOT NULL USING COMPRESSION zstd
        )""",
    "conversations": """
        CREATE TABLE conversations (
            conversation_id VARCHAR NOT NULL,
            name VARCHAR,
            experiment_id VARCHAR,
            parent_conversation_id VARCHAR,
            branch_turn INTEGER,
            seed BIGINT,
            started_at TIMESTAMPTZ,
            ended_at TIMESTAMPTZ,
            status VARCHAR NOT NULL,
            end_reason VARCHAR,
            prompt VARCHAR,
            max_turns INTEGER,
            first_speaker VARCHAR,
            agent_a_name VARCHAR,
            agent_a_model VARCHAR,
            agent_a_provider VARCHAR,
            agent_a_temperature DOUBLE,
            agent_a_max_tokens INTEGER,
            agent_a_input_price DOUBLE,
            agent_a_output_price DOUBLE,
            agent_a_cache_read_price DOUBLE,
            agent_a_cache_write_price DOUBLE,
            agent_b_name VARCHAR,
            agent_b_model VARCHAR,
            agent_b_provider VARCHAR,
            agent_b_temperature DOUBLE,
            agent_b_max_tokens INTEGER,
            agent_b_input_price DOUBLE,
            agent_b_output_price DOUBLE,
            agent_b_cache_read_price DOUBLE,
            agent_b_cache_write_price DOUBLE,
            convergence_threshold DOUBLE,
            convergence_profile VARCHAR,
            convergence_weights JSON,
            convergence_action VARCHAR,
            turns INTEGER NOT NULL,
            messages INTEGER NOT NULL,
            tokens_in BIGINT NOT NULL,
            tokens_out BIGINT NOT NULL,
            cost_usd DOUBLE,
            final_convergence DOUBLE,
            errors INTEGER NOT NULL,
            last_position BIGINT NOT NULL
        )""",
    "turns": """
        CREATE TABLE turns (
            conversation_id VARCHAR NOT NULL,
            turn INTEGER NOT NULL,
            convergence DOUBLE,
            completed_at TIMESTAMPTZ,
            position BIGINT NOT NULL
        )""",
    "messages": """
        CREATE TABLE messages (
            conversation_id VARCHAR NOT NULL,
            turn INTEGER NOT NULL,
            agent VARCHAR NOT NULL,
            model VARCHAR,
            text VARCHAR NOT NULL USING COMPRESSION zstd,
            thinking VARCHAR,
            tokens_in BIGINT,
            tokens_out BIGINT,
            cache_read_tokens BIGINT,
            cache_write_tokens BIGINT,
            thinking_tokens BIGINT,
            reported_cost_usd DOUBLE,
            cost_usd DOUBLE,
            time_to_first_token DOUBLE,
            duration DOUBLE,
            stop_reason VARCHAR,
            completed_at TIMESTAMPTZ,
            position BIGINT NOT NULL
        )""",
    "errors": """
        CREATE TABLE errors (
            conversation_id VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            agent VARCHAR,
            provider VARCHAR,
            status INTEGER,
            message VARCHAR,
            retryable BOOLEAN,
            attempt INTEGER,
            wait_seconds DOUBLE,
            occurred_at TIMESTAMPTZ,
            position BIGINT NOT NULL
        )""",
    "experiments": """
        CREATE TABLE experiments (
            experiment_id VARCHAR NOT NULL,
            name VARCHAR,
            created_at TIMESTAMPTZ,
            status VARCHAR NOT NULL,
            seed BIGINT,
            parallel INTEGER,
            scheduled INTEGER NOT NULL,
            finished INTEGER NOT NULL,
            completed INTEGER,
            failed INTEGER,
            interrupted INTEGER,
            spec JSON,
            last_position BIGINT NOT NULL
        )""",
    "turn_metrics": "CREATE TABLE turn_metrics (\n"
    "            conversation_id VARCHAR NOT NULL,\n"
    "            turn INTEGER NOT NULL,\n"
    "            metrics_version VARCHAR NOT NULL,\n"
    "            embedding_model VARCHAR,\n"
    + ",\n".join(f"            {column} DOUBLE" for column in COLUMNS)
    + "\n        )",
    "findings": """
        CREATE TABLE findings (
            conversation_id VARCHAR NOT NULL,
            detector VARCHAR NOT NULL,
            detector_version VARCHAR NOT NULL,
            first_turn INTEGER NOT NULL,
            last_turn INTEGER NOT NULL,
            strength DOUBLE NOT NULL,
            evidence JSON NOT NULL
        )""",
}

VIEWS: dict[str, str] = {
    "convergence_by_turn": """
        CREATE OR REPLACE VIEW convergence_by_turn AS
        SELECT turn, count(*) AS conversations, avg(convergence) AS mean_convergence,
               min(convergence) AS min_convergence, max(convergence) AS max_convergence,
               stddev_samp(convergence) AS sd_convergence
        FROM turns GROUP BY turn ORDER BY turn""",
    "tokens_by_model": """
        CREATE OR REPLACE VIEW tokens_by_model AS
        SELECT model, count(*) AS messages, sum(tokens_in) AS tokens_in,
               sum(tokens_out) AS tokens_out, sum(cache_read_tokens) AS cache_read_tokens,
               sum(cache_write_tokens) AS cache_write_tokens, sum(cost_usd) AS cost_usd,
               avg(duration) AS mean_duration, avg(time_to_first_token) AS mean_ttft
        FROM messages GROUP BY model ORDER BY model""",
    "end_reasons": """
        CREATE OR REPLACE VIEW end_reasons AS
        SELECT coalesce(end_reason, status) AS end_reason, count(*) AS conversations,
               avg(turns) AS mean_turns, avg(final_convergence) AS mean_final_convergence
        FROM conversations GROUP BY ALL ORDER BY conversations DESC""",
}

# Rows of these tables are replaced (delete + insert) when a later event changes them.
UPSERT_KEYS = {"conversations": "conversation_id", "experiments": "experiment_id"}

ORDERED_BY_POSITION = ("events", "messages", "turns", "errors")


def table_query(name: str) -> str:
    """Every row of a table or view, in log order where the rows have one (as exported)."""
    order = " ORDER BY position" if name in ORDERED_BY_POSITION else ""
    return f"SELECT * FROM {name}{order}"
