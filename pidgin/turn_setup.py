"""What happens at the edges of turns besides messages: agents choosing names, and the
system messages an awareness file schedules for the start of a turn.

Kept apart from the conductor's message loop so each stays small; both only record
events on the aggregate, the conductor commits them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import structlog

from pidgin.domain import AGENT_IDS, AgentId, ChatMessage, Conversation
from pidgin.providers.base import Provider, ProviderError
from pidgin.providers.streaming import stream_reply

logger = structlog.get_logger("pidgin.turn_setup")

NAME_PROMPT = (
    "Before the conversation begins, choose a name for yourself that the other participant "
    "will see. Reply with the name only."
)
MAX_NAME_LENGTH = 32


def inject_due_prompts(conversation: Conversation, turn: int) -> None:
    """Record the injections planned for ``turn`` that are not recorded yet."""
    for planned in conversation.injections_due(turn):
        agents: list[AgentId] = [a for a in AGENT_IDS if a in planned["agents"]]
        conversation.inject_system_prompt(agents, planned["text"], source="schedule")


def name_from_reply(reply: str) -> str | None:
    """The name in a reply such as ``**Nova**.`` or ``I'll go by Nova``: its first line,
    without markup and trailing punctuation, at most a few words; None if nothing is left."""
    for line in reply.splitlines():
        text = re.sub(r"[*_`#>\"“”]", "", line).strip()
        text = re.sub(r"^(?:my name is|i am|i'm|call me|i'll go by|name:)\s+", "", text, flags=re.I)
        text = text.strip(" .!,:;")
        if text:
            words = text.split()[:3]
            return " ".join(words)[:MAX_NAME_LENGTH].strip() or None
    return None


async def choose_names(conversation: Conversation, providers: Mapping[AgentId, Provider]) -> None:
    """Ask each agent that has not chosen yet for a name (only before the first message).

    The reply is recorded raw beside the name taken from it; a failed request keeps the
    model's display name, it never ends the conversation.
    """
    if not conversation.choose_names or conversation.messages or conversation.is_ended:
        return
    for agent in AGENT_IDS:
        if agent in conversation.chosen_names:
            continue
        spec = conversation.agents[agent]
        history = [ChatMessage("system", spec.system_prompt)] if spec.system_prompt else []
        history.append(ChatMessage("user", NAME_PROMPT))

        async def ignore(_chunk: str) -> None:
            return None

        try:
            reply = await stream_reply(
                providers[agent], history, spec.temperature, ignore, conversation.seed
            )
        except ProviderError as error:
            logger.warning("name_request_failed", agent=agent, error=str(error))
            continue
        name = name_from_reply(reply.text)
        if name:
            conversation.choose_name(agent, name, reply.text)
