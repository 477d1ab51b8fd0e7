"""JSON-lines persistence for the eventsourcing library: a log a person can read with ``jq``.

Select it with ``PERSISTENCE_MODULE=eventlog.jsonl`` and ``JSONL_DIR=/some/dir``. The
directory holds ``events.jsonl`` (the application log; a process recorder also writes its
tracking records there, in the same transaction as its events) and ``tracking.jsonl``
(tracking records of a standalone tracking recorder). One event per line::

    {"position":7,"originator_id":"…","version":3,"topic":"pkg.mod:Agg.Event",
     "timestamp":"2026-…","state":{"timestamp":"2026-…","text":"…"}}

``state`` is the stored event state embedded as JSON, byte for byte as the transcoder wrote
it; state that is not JSON text (encrypted or compressed) is kept as ``state_b64`` instead.
The line formats are in :mod:`eventlog.jsonl_lines`, the file (locking, durability, crash
recovery) in :mod:`eventlog.jsonl_file`, the recorders in :mod:`eventlog.jsonl_recorders`;
this module is the persistence module itself: the factory eventsourcing looks for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
)
from eventsourcing.utils import Environment, EnvType, resolve_topic, strtobool

from eventlog.jsonl_lines import event_line, line_state, state_to_json
from eventlog.jsonl_recorders import (
    JsonlAggregateRecorder,
    JsonlApplicationRecorder,
    JsonlDatastore,
    JsonlProcessRecorder,
    JsonlRecorder,
    JsonlSubscription,
    JsonlTrackingRecorder,
)

__all__ = [
    "Factory",
    "JsonlAggregateRecorder",
    "JsonlApplicationRecorder",
    "JsonlDatastore",
    "JsonlFactory",
    "JsonlProcessRecorder",
    "JsonlRecorder",
    "JsonlSubscription",
    "JsonlTrackingRecorder",
    "event_line",
    "line_state",
    "state_to_json",
]


class JsonlFactory(InfrastructureFactory[JsonlTrackingRecorder]):
    """Builds the JSONL recorders for an eventsourcing application."""

    JSONL_DIR = "JSONL_DIR"
    ORIGINATOR_ID_TYPE = "ORIGINATOR_ID_TYPE"
    CREATE_TABLE = "CREATE_TABLE"

    aggregate_recorder_class = JsonlAggregateRecorder
    application_recorder_class = JsonlApplicationRecorder
    tracking_recorder_class = JsonlTrackingRecorder
    process_recorder_class = JsonlProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        directory = self.env.get(self.JSONL_DIR)
        if not directory:
            keys = ", ".join(self.env.create_keys(self.JSONL_DIR))
            msg = f"JSONL directory not found in environment with keys: {keys}"
            raise OSError(msg)
        id_type = self.env.get(self.ORIGINATOR_ID_TYPE, "uuid").lower()
        if id_type not in ("uuid", "text"):
            msg = f"Invalid {self.ORIGINATOR_ID_TYPE} '{id_type}', must be 'uuid' or 'text'"
            raise OSError(msg)
        self.datastore = JsonlDatastore(
            Path(directory),
            originator_id_type=cast(Literal["uuid", "text"], id_type),
            create=self._create(),
        )

    def _create(self) -> bool:
        return bool(strtobool(self.env.get(self.CREATE_TABLE) or "yes"))

    def _datastore(self) -> JsonlDatastore:
        self.datastore.create = self._create()
        return self.datastore

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        return self.aggregate_recorder_class(self._datastore(), f"{purpose}.jsonl")

    def application_recorder(self) -> ApplicationRecorder:
        topic = self.env.get(self.APPLICATION_RECORDER_TOPIC)
        cls = resolve_topic(topic) if topic else self.application_recorder_class
        assert issubclass(cls, JsonlApplicationRecorder)
        return cls(self._datastore())

    def tracking_recorder(
        self, tracking_recorder_class: type[JsonlTrackingRecorder] | None = None
    ) -> JsonlTrackingRecorder:
        if tracking_recorder_class is None:
            topic = self.env.get(self.TRACKING_RECORDER_TOPIC)
            tracking_recorder_class = (
                resolve_topic(topic) if topic else self.tracking_recorder_class
            )
        assert tracking_recorder_class is not None
        assert issubclass(tracking_recorder_class, JsonlTrackingRecorder)
        return tracking_recorder_class(self._datastore())

    def process_recorder(self) -> ProcessRecorder:
        topic = self.env.get(self.PROCESS_RECORDER_TOPIC)
        cls = resolve_topic(topic) if topic else self.process_recorder_class
        assert issubclass(cls, JsonlProcessRecorder)
        return cls(self._datastore())

    def close(self) -> None:
        self.datastore.close()


Factory = JsonlFactory
