"""msgspec encoding of stored event state: the hot path of every append and read.

Event fields are JSON values (str, int, float, bool, None, lists, dicts). The one
exception is the ``timestamp`` every eventsourcing event carries: msgspec writes it as
RFC 3339 text and :meth:`MsgspecTranscoder.decode` turns it back into a ``datetime``.
Keys are written in the order the event defines them, so the same event always gives
the same bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from eventsourcing.persistence import Transcoder

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()

DATETIME_FIELDS = ("timestamp",)


class MsgspecTranscoder(Transcoder):
    """An eventsourcing ``Transcoder`` backed by msgspec instead of the stdlib ``json``."""

    def encode(self, obj: Any) -> bytes:
        return _encoder.encode(obj)

    def decode(self, data: bytes) -> Any:
        state = _decoder.decode(data)
        if isinstance(state, dict):
            for key in DATETIME_FIELDS:
                value = state.get(key)
                if isinstance(value, str):
                    state[key] = datetime.fromisoformat(value)
        return state


def encode_json(obj: Any) -> bytes:
    """Encode any JSON-able value with the same encoder the store uses."""
    return _encoder.encode(obj)


def decode_json(data: bytes | str) -> Any:
    """Decode JSON with the same decoder the store uses (timestamps stay text)."""
    return _decoder.decode(data)
