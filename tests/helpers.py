"""Reading what a test recorded, straight from the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eventlog import open_store
from pidgin.cli.common import store_url as default_store_url
from pidgin.domain import Conversation


def store_url(directory: Path) -> str:
    """The URL of the default store under ``directory``/pidgin_output, as the CLI builds it."""
    return default_store_url(None, directory / "pidgin_output")


def recorded_events(directory: Path) -> list[Any]:
    """Every RecordedEvent in the default store under ``directory``."""
    with open_store(store_url(directory), create=False) as log:
        return list(log.read())


def completed_messages(directory: Path) -> list[Conversation.MessageCompleted]:
    return [
        r.event
        for r in recorded_events(directory)
        if isinstance(r.event, Conversation.MessageCompleted)
    ]
