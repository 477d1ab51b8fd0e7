"""The list of recorded conversations, read from only the events it needs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventlog import DamagedEventError, EventLog
from pidgin.domain import Conversation
from projections.conversation_view import ConversationView, fold_conversations

LISTING_EVENTS = (
    Conversation.ConversationStarted,
    Conversation.TurnCompleted,
    Conversation.ConversationEnded,
)


def list_conversations(log: EventLog) -> list[ConversationView]:
    """Every conversation in the order it started, with turns and end reason.

    Reads only the listing events: no message text is decoded.
    """
    events = (recorded.event for recorded in log.read(event_types=LISTING_EVENTS))
    return list(fold_conversations(events).values())


def started_ids(log: EventLog) -> list[UUID]:
    """Every conversation's id, from its ConversationStarted event (checked, not decoded
    unless it has no checksum). Raises :class:`DamagedEventError` for a damaged one."""
    notifications = log.read_checked(event_types=(Conversation.ConversationStarted,))
    return [_conversation_id(log, n.id, n.originator_id) for n in notifications]


def _conversation_id(log: EventLog, position: int, found: Any) -> UUID:
    """``found`` as a UUID (the stores give one), or the error naming its position."""
    if isinstance(found, UUID):
        return found
    try:
        return UUID(str(found))
    except (TypeError, ValueError):
        reason = f"its conversation id {str(found)[:40]!r} is not an id"
        raise DamagedEventError(log.url.redacted, f"position {position}", reason) from None


def match_conversations(
    views: list[ConversationView] | list[UUID], prefixes: list[str]
) -> list[UUID]:
    """The conversation ids named by full ids or unique prefixes.

    Raises LookupError naming the first prefix that matches none or several.
    """
    ids = [v if isinstance(v, UUID) else v.conversation_id for v in views]
    matched: list[UUID] = []
    for prefix in prefixes:
        wanted = prefix.strip().lower()
        hits = [cid for cid in ids if str(cid).startswith(wanted)]
        if len(hits) != 1:
            problem = "no conversation" if not hits else f"{len(hits)} conversations"
            verb = "matches" if not hits else "match"
            raise LookupError(f"{problem} in the store {verb} {prefix!r}")
        matched.append(hits[0])
    return matched
