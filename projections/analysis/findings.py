"""The ``findings`` rows: every pattern detector run over each conversation that received
messages in a batch, from the messages as the database holds them (this transaction's
included). A conversation's findings are replaced as a whole, since a later message can
extend or end an episode."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from projections.analysis.fold import Batch
from projections.analysis.writes import load_arrow
from projections.patterns import ConversationText, detect

FINDING_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("detector", pa.string()),
        ("detector_version", pa.string()),
        ("first_turn", pa.int32()),
        ("last_turn", pa.int32()),
        ("strength", pa.float64()),
        ("evidence", pa.string()),
    ]
)


def touched_conversations(batch: Batch) -> list[str]:
    """Conversations that received a message in this batch."""
    ids = pc.unique(batch.messages.column("conversation_id")).to_pylist()
    return sorted(str(i) for i in ids)


def replace_findings(connection: duckdb.DuckDBPyConnection, batch: Batch) -> int:
    """Recompute the findings of the batch's conversations; return how many rows it wrote."""
    ids = touched_conversations(batch)
    if not ids:
        return 0
    wanted = pa.table({"conversation_id": pa.array(ids, pa.string())})
    connection.register("finding_conversations", wanted)
    try:
        connection.execute(
            "DELETE FROM findings WHERE conversation_id IN "
            "(SELECT conversation_id FROM finding_conversations)"
        )
        messages = connection.execute(
            "SELECT conversation_id, turn, agent, text FROM messages "
            "WHERE conversation_id IN (SELECT conversation_id FROM finding_conversations) "
            "ORDER BY conversation_id, position"
        ).fetchall()
    finally:
        connection.unregister("finding_conversations")
    by_conversation: dict[str, list[tuple[int, str, str]]] = {}
    for conversation_id, turn, agent, text in messages:
        by_conversation.setdefault(conversation_id, []).append((turn, agent, text))
    rows: dict[str, list[object]] = {name: [] for name in FINDING_SCHEMA.names}
    for conversation_id, texts in sorted(by_conversation.items()):
        for finding in detect(ConversationText(texts)):
            rows["conversation_id"].append(conversation_id)
            rows["detector"].append(finding.detector)
            rows["detector_version"].append(finding.version)
            rows["first_turn"].append(finding.first_turn)
            rows["last_turn"].append(finding.last_turn)
            rows["strength"].append(finding.strength)
            rows["evidence"].append(finding.evidence_json())
    count = len(rows["detector"])
    if count:
        load_arrow(
            connection,
            "findings",
            "INSERT INTO findings BY NAME SELECT * FROM {source}",
            pa.table(rows, schema=FINDING_SCHEMA),
        )
    return count
