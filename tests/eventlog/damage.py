"""Ways a stored event gets damaged, applied to real SQLite and JSONL stores.

Each damage edits one recorded event (or the file under it) the way a disk, a bad
copy or a careless edit would. Those that keep the JSON valid come in two forms: with
the content checksum left as it was (so the checksum must notice), and with no
checksum at all, as an event written before checksums (so the check against the event's
class must notice).
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from eventlog.checksum import is_sealed, unseal

StateEdit = Callable[[str, bytes], tuple[str, bytes]]
"""(topic, state) -> (topic, state) of one stored event."""

MESSAGE = "pidgin.domain.conversation:Conversation.MessageCompleted"


def _plain(topic: str, state: bytes) -> bytes:
    """The state as an event written before checksums would hold it."""
    return unseal(topic, state)[0] if is_sealed(state) else state


def flip_text_byte(topic: str, state: bytes) -> tuple[str, bytes]:
    at = state.index(b'"text":"') + len(b'"text":"') + 3
    flipped = b"X" if state[at : at + 1] != b"X" else b"Y"
    return topic, state[:at] + flipped + state[at + 1 :]


def cut_json(topic: str, state: bytes) -> tuple[str, bytes]:
    return topic, state[: len(state) // 2]


def unknown_topic(topic: str, state: bytes) -> tuple[str, bytes]:
    return topic.replace("MessageCompleted", "MessageVanished"), state


def misspelt_field(topic: str, state: bytes) -> tuple[str, bytes]:
    return topic, _plain(topic, state).replace(b'"text":', b'"txet":', 1)


def wrong_type(topic: str, state: bytes) -> tuple[str, bytes]:
    fields = json.loads(_plain(topic, state))
    fields["tokens_out"] = str(fields["tokens_out"])
    return topic, json.dumps(fields, separators=(",", ":")).encode()


def missing_field(topic: str, state: bytes) -> tuple[str, bytes]:
    fields = json.loads(_plain(topic, state))
    del fields["agent"]
    return topic, json.dumps(fields, separators=(",", ":")).encode()


def invalid_utf8(topic: str, state: bytes) -> tuple[str, bytes]:
    at = state.index(b'"text":"') + len(b'"text":"') + 2
    return topic, state[:at] + b"\xff\xfe" + state[at:]


STATE_EDITS: dict[str, StateEdit] = {
    "flipped text byte": flip_text_byte,
    "cut JSON": cut_json,
    "unknown topic": unknown_topic,
    "misspelt field (no checksum)": misspelt_field,
    "wrong type (no checksum)": wrong_type,
    "missing field (no checksum)": missing_field,
    "invalid UTF-8": invalid_utf8,
}


def edit_sqlite(path: Path, position: int, edit: StateEdit) -> None:
    """Apply ``edit`` to the event at ``position`` (its rowid) of a SQLite store."""
    with closing(sqlite3.connect(path)) as db, db:
        topic, state = db.execute(
            "SELECT topic, state FROM stored_events WHERE rowid = ?", (position,)
        ).fetchone()
        topic, state = edit(topic, bytes(state))
        db.execute(
            "UPDATE stored_events SET topic = ?, state = ? WHERE rowid = ?",
            (topic, state, position),
        )


def edit_jsonl(directory: Path, position: int, edit: StateEdit) -> None:
    """Apply ``edit`` to the event on line ``position`` of a JSONL store, keeping the
    line's other fields byte for byte."""
    path = directory / "events.jsonl"
    lines = path.read_bytes().split(b"\n")
    match = _JSONL_EVENT.fullmatch(lines[position - 1])
    assert match is not None, lines[position - 1][:80]
    topic, state = edit(match["topic"].decode(), match["state"])
    lines[position - 1] = (
        match["head"] + json.dumps(topic).encode() + match["middle"] + state + match["tail"]
    )
    path.write_bytes(b"\n".join(lines))


_JSONL_EVENT = re.compile(
    rb'(?P<head>.*"topic":)"(?P<topic>[^"]*)"(?P<middle>.*?"state":)(?P<state>\{.*\})'
    rb'(?P<tail>(,"rest":\d+)?\})',
    re.DOTALL,
)


def flip_file_bytes(path: Path, seed: int, count: int = 8) -> None:
    """Overwrite ``count`` random bytes in the second half of a file."""
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for _ in range(count):
        data[rng.randrange(len(data) // 2, len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))


def truncate_file(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
