"""Content checksums sealed into stored event state, so a flipped byte is noticed.

The checksum is the last key of the state's JSON object: ``…,"_checksum":"89abcdef"}``
(CRC-32 of the topic, a newline and the state without that key, as 8 hex digits). It
lives in the state itself so that every store (SQLite, JSONL, PostgreSQL) and every
verbatim move (``log copy``, export, import) carries it without a schema of its own,
and any reader that ignores unknown keys (``jq``, DuckDB's ``json_transform``) reads
the state as before. Events written before checksums carry none; they decode exactly
as they always did.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

KEY = b',"_checksum":"'
DIGITS = 8
END = b'"}'
TAIL = len(KEY) + DIGITS + len(END)


def checksum(topic: str, body: bytes) -> bytes:
    """The hex CRC-32 of ``topic`` and the unsealed state ``body``."""
    seed = _SEEDS.get(topic)
    if seed is None:
        if len(_SEEDS) > 10_000:
            _SEEDS.clear()
        seed = _SEEDS[topic] = zlib.crc32(topic.encode() + b"\n")
    return b"%08x" % zlib.crc32(body, seed)


_SEEDS: dict[str, int] = {}
"""The CRC of each topic's prefix, computed once per topic."""


def seal(topic: str, state: bytes) -> bytes:
    """``state`` (a JSON object) with its checksum added as the last key."""
    if not state.endswith(b"}") or state == b"{}":
        return state  # not an object with fields: nothing to seal it into
    return state[:-1] + KEY + checksum(topic, state) + END


def is_sealed(state: bytes) -> bool:
    return len(state) > TAIL and state[-TAIL:].startswith(KEY) and state.endswith(END)


def unseal(topic: str, state: bytes) -> tuple[bytes, bool]:
    """(the state without its checksum, whether it had one).

    Raises ``ValueError`` when the checksum does not match the contents.
    """
    if not (len(state) > TAIL and state[-TAIL : len(KEY) - TAIL] == KEY and state[-2:] == END):
        if KEY[1:-1] in state:  # a checksum, but not where it was sealed: re-encoded
            raise ValueError(
                "checksum mismatch (the state was re-encoded or changed after it was "
                "written, so its checksum no longer closes it)"
            )
        return state, False
    body = state[:-TAIL] + b"}"
    found = state[-TAIL + len(KEY) : -len(END)]
    if checksum(topic, body) != found:
        raise ValueError(
            f"checksum mismatch (stored {found.decode('ascii', 'replace')}, "
            f"contents give {checksum(topic, body).decode()}): the event was changed "
            "after it was written"
        )
    return body, True


def verified(topic: str, state: bytes) -> bool:
    """Whether ``state`` carries a checksum and matches it."""
    return not not_verified((topic,), (state,))


def not_verified(topics: Sequence[str], states: Sequence[bytes | None]) -> list[int]:
    """The indexes of states that carry no checksum or do not match theirs.

    The bulk readers' fast path (one CRC per event, no copies); :func:`unseal` says why.
    """
    seeds: dict[str, int] = {}
    crc = zlib.crc32
    start = len(KEY) - TAIL
    found = []
    for index, (topic, state) in enumerate(zip(topics, states, strict=True)):
        if state is None or len(state) <= TAIL or state[-TAIL:start] != KEY or state[-2:] != END:
            found.append(index)
            continue
        seed = seeds.get(topic)
        if seed is None:
            seed = seeds[topic] = crc(topic.encode() + b"\n")
        if b"%08x" % crc(b"}", crc(memoryview(state)[:-TAIL], seed)) != state[start:-2]:
            found.append(index)
    return found
