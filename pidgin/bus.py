"""The in-process EventBus: typed, async publish/subscribe for the live view.

Saved domain events and streaming chunks are published here. The bus is not the log:
nothing published here is durable unless it was saved to the store first.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

E = TypeVar("E")
Handler = Callable[[E], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class MessageChunk:
    """A piece of a reply as it streams in (published, not persisted)."""

    conversation_id: UUID
    agent: str
    turn: int
    text: str


class EventBus:
    """Delivers each published object to the handlers subscribed to its type (or a base)."""

    def __init__(self) -> None:
        self._handlers: list[tuple[type[Any], Handler[Any]]] = []

    def subscribe(self, event_type: type[E], handler: Handler[E]) -> Callable[[], None]:
        """Call ``handler`` for every published instance of ``event_type``.

        Returns a function that removes the subscription.
        """
        entry: tuple[type[Any], Handler[Any]] = (event_type, handler)
        self._handlers.append(entry)
        return lambda: self._handlers.remove(entry)

    async def publish(self, event: object) -> None:
        """Deliver ``event`` to its subscribers in subscription order, awaiting async ones."""
        for event_type, handler in list(self._handlers):
            if isinstance(event, event_type):
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
