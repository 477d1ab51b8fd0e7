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


NOT_NAMES = frozenset(
    """a am an and are as be call certainly choose do for go great hello here hey hi how i
    i'll i'm is it let me my name no of ok okay please sure thank thanks that the this to
    we well what why will yes you your""".split()  # noqa: SIM905
)
"""Words that make a reply's line a phrase ("Thank you for ..."), not a name."""
_INTRO = re.compile(
    r"\b(?:my name is|i am|i'm|call me|i'll go by|i will go by|name:)\s+(.+)", re.IGNORECASE
)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _as_name(words: list[str]) -> str | None:
    """``words`` as a name: one or two capitalised words that are not common words."""
    if not 1 <= len(words) <= 2:
        return None
    for word in words:
        if not _NAME_WORD.fullmatch(word) or not word[0].isupper():
            return None
        if word.casefold() in NOT_NAMES:
            return None
    name = " ".join(words)
    return name if len(name) <= MAX_NAME_LENGTH else None


def name_from_reply(reply: str) -> str | None:
    """The name in a reply such as ``**Nova**.``, ``I'll go by Nova`` or ``Call me Ada
    Quill``: one or two capitalised words, on a line of their own or after "my name is"
    and the like. A phrase ("Thank you for asking") is not a name: None then."""
    for line in reply.splitlines():
        text = re.sub(r"[*_`#>\"“”]", "", line).strip()
        intro = _INTRO.search(text)
        if intro:
            words = re.split(r"[\s.,!?;:()]+", intro.group(1).strip())
            capitalised = []
            for word in words[:2]:
                if not word or not word[0].isupper():
                    break
                capitalised.append(word)
            if name := _as_name(capitalised):
                return name
        if name := _as_name(text.strip(" .!,:;").split()):
            return name
    return None


def distinct_names(chosen: Mapping[str, str], models: Mapping[str, str]) -> dict[str, str]:
    """The chosen names, changed where needed so the two agents are never shown alike.

    ``models`` are the display names an agent keeps when it chose none. Alike names
    (ignoring case) get the agent's letter, as two agents of one model do: ``Nova-A``,
    ``Nova-B``; only the names chosen here are changed.
    """
    shown = {agent: chosen.get(agent) or models[agent] for agent in AGENT_IDS}
    if shown["a"].casefold() != shown["b"].casefold():
        return dict(chosen)
    return {agent: f"{name}-{agent.upper()}" for agent, name in chosen.items()}


async def choose_names(conversation: Conversation, providers: Mapping[AgentId, Provider]) -> None:
    """Ask each agent that has not chosen yet for a name (only before the first message).

    The reply is recorded raw beside the name taken from it; a failed request keeps the
    model's display name, it never ends the conversation.
    """
    if not conversation.choose_names or conversation.messages or conversation.is_ended:
        return
    replies: dict[AgentId, tuple[str, str]] = {}
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
            replies[agent] = (name, reply.text)
    models: dict[str, str] = {a: conversation.agents[a].display_name for a in AGENT_IDS}
    names: dict[str, str] = dict(conversation.chosen_names)
    names.update({agent: name for agent, (name, _) in replies.items()})
    new = distinct_names(names, models)
    for agent, (_name, raw) in replies.items():
        conversation.choose_name(agent, new[agent], raw)
