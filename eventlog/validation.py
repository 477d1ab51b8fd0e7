"""Checking a decoded event's fields against its class: names and types.

The eventsourcing mapper builds an event object from whatever fields the stored state
holds, so a misspelt or mistyped field only fails later, far from the log (an
``AttributeError`` in a projection, a wrong sum in a report). Here each event class gets
a msgspec Struct with the same fields and types (unknown fields forbidden), and a
decoded, upcast state is checked against it: one C-level call per event.
"""

from __future__ import annotations

import dataclasses
import typing
from functools import lru_cache
from typing import Any

import msgspec

from eventlog.errors import EventInvalid

ENVELOPE_FIELDS = frozenset({"originator_id", "originator_version"})
"""Set by the mapper from the stored record, not from the state."""


def validate_state(cls: type, state: dict[str, Any]) -> None:
    """Raise :class:`EventInvalid` unless ``state`` has exactly ``cls``'s fields and types."""
    schema = _schema(cls)
    if schema is None:
        return
    fields = {key: value for key, value in state.items() if key not in ENVELOPE_FIELDS}
    try:
        msgspec.convert(fields, schema)
    except msgspec.ValidationError as error:
        raise EventInvalid(f"not a valid {cls.__name__}: {error}") from None


@lru_cache(maxsize=512)
def _schema(cls: type) -> type[msgspec.Struct] | None:
    """A Struct with ``cls``'s fields (None for a class that is not a dataclass)."""
    if not dataclasses.is_dataclass(cls):
        return None
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # an annotation that cannot be resolved: check names only
        hints = {}
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for field in dataclasses.fields(cls):
        if field.name in ENVELOPE_FIELDS:
            continue
        hint = _supported(hints.get(field.name, Any))
        if field.default is not dataclasses.MISSING:
            fields.append((field.name, hint, field.default))
        elif field.default_factory is not dataclasses.MISSING:
            fields.append((field.name, hint, msgspec.field(default_factory=field.default_factory)))
        else:
            fields.append((field.name, hint))
    return msgspec.defstruct(f"{cls.__qualname__}State", fields, forbid_unknown_fields=True)


def _supported(hint: Any) -> Any:
    """``hint`` if msgspec can check values of it, else ``Any``."""
    if isinstance(hint, typing.TypeVar):
        return Any
    try:
        msgspec.json.Decoder(hint)
    except TypeError:
        return Any
    return hint
