"""Sentence embeddings of the projected messages, cached in the analysis database.

The ``embedding_cache`` table keeps every vector by (model, SHA-256 of the text); it is
not one of the projection's tables, so ``--rebuild`` keeps it and only new texts are
embedded again. Embedding is the slow part of the semantic measures (tens of messages
per second and core), so a big batch is spread over the metric worker processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Executor

import duckdb
import numpy as np
import pyarrow as pa

from projections.analysis.writes import load_arrow
from projections.metrics.embeddings import Vector, default_embedder, text_hash

CACHE_TABLE = """
CREATE TABLE IF NOT EXISTS embedding_cache (
    model VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL,
    vector FLOAT[] NOT NULL
)
"""
CHUNK = 64  # texts per worker task


def cached_vectors(
    connection: duckdb.DuckDBPyConnection,
    texts: Iterable[str],
    pool: Executor | None = None,
) -> dict[str, Vector]:
    """The default embedder's vector of every text: from the cache, or embedded now and
    added to it (in this transaction)."""
    model = default_embedder().name
    distinct = list(dict.fromkeys(texts))
    hashes = [text_hash(text) for text in distinct]
    connection.register("wanted_embeddings", pa.table({"text_hash": hashes}))
    try:
        found = connection.sql(
            "SELECT text_hash, vector FROM embedding_cache WHERE model = ? AND text_hash IN "
            "(SELECT text_hash FROM wanted_embeddings)",
            params=[model],
        ).to_arrow_table()
    finally:
        connection.unregister("wanted_embeddings")
    assert found is not None  # a SELECT always has a result
    known = dict(zip(found.column("text_hash").to_pylist(), _vectors(found), strict=True))
    missing = [(text, key) for text, key in zip(distinct, hashes, strict=True) if key not in known]
    if missing:
        new = embed_texts([text for text, _ in missing], pool)
        for (_, key), vector in zip(missing, new, strict=True):
            known[key] = vector
        rows = pa.table(
            {
                "model": pa.array([model] * len(missing), type=pa.string()),
                "text_hash": pa.array([key for _, key in missing], type=pa.string()),
                "vector": pa.array([v.tolist() for v in new], type=pa.list_(pa.float32())),
            }
        )
        load_arrow(
            connection,
            "embedding_cache",
            "INSERT INTO embedding_cache BY NAME SELECT * FROM {source}",
            rows,
        )
    return {text: known[key] for text, key in zip(distinct, hashes, strict=True)}


def embed_texts(texts: Sequence[str], pool: Executor | None = None) -> list[Vector]:
    """Each text's vector, in worker processes when ``pool`` is given."""
    if pool is None or len(texts) <= CHUNK:
        return _embed_chunk(list(texts))
    chunks = [list(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)]
    return [vector for chunk in pool.map(_embed_chunk, chunks) for vector in chunk]


def _embed_chunk(texts: list[str]) -> list[Vector]:
    embedder = default_embedder()
    return [embedder.embed(text) for text in texts]


def _vectors(table: pa.Table) -> list[Vector]:
    column = table.column("vector").combine_chunks()
    if len(column) == 0:
        return []
    flat = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
    return list(flat.reshape(len(column), -1))
