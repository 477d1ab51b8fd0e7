"""Awareness: each agent gets its own system prompt and only its own injections, recorded
as events, shown in transcripts, and never repeated when a conversation is resumed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from eventlog import open_store
from pidgin.bus import EventBus, MessageChunk
from pidgin.conductor import Conductor
from pidgin.domain import AgentSpec, Conversation
from pidgin.errors import PidginError
from pidgin.experiments.awareness import load_presets, resolve_awareness
from pidgin.turn_setup import distinct_names, name_from_reply
from projections.transcripts import rebuild_transcripts
from tests.experiments.recording import RecordingProvider

CLAUDE = AgentSpec(model="anthropic:claude-x", provider="anthropic", display_name="Claude")
GPT = AgentSpec(model="openai:gpt-4o", provider="openai", display_name="GPT-4o")

AWARENESS_FILE = """\
base: research
prompts:
  0:
    agent_b: "B's own opening prompt; partner {other_model}."
  2:
    agent_a: "A-only message at turn 2."
    agent_b: "B-only message at turn 2."
  3:
    both: "A message for both at turn 3."
"""


def test_presets_are_filled_in_for_each_agent_from_its_own_point_of_view():
    plan = resolve_awareness({"a": "research", "b": "research"}, {"a": CLAUDE, "b": GPT})
    prompt_a, prompt_b = plan.system_prompts["a"], plan.system_prompts["b"]
    assert prompt_a is not None and prompt_b is not None
    assert prompt_a.startswith("You are anthropic:claude-x") and "openai:gpt-4o" in prompt_a
    assert prompt_b.startswith("You are openai:gpt-4o") and "anthropic:claude-x" in prompt_b
    none = resolve_awareness({"a": "none", "b": "basic"}, {"a": CLAUDE, "b": GPT})
    assert none.system_prompts["a"] is None
    assert none.system_prompts["b"] == load_presets()["basic"]["b"]
    assert set(load_presets()) == {"none", "basic", "firm", "research", "backrooms"}


def test_an_unknown_awareness_level_is_a_clear_error():
    with pytest.raises(PidginError, match=r"unknown awareness 'sly'.*none, basic, firm"):
        resolve_awareness({"a": "sly", "b": "none"}, {"a": CLAUDE, "b": GPT})


def _start(tmp_path: Path, choices: dict[str, str], **options: object) -> Conversation:
    path = tmp_path / "awareness.yaml"
    path.write_text(AWARENESS_FILE)
    resolved = {agent: str(path) if c == "FILE" else c for agent, c in choices.items()}
    plan = resolve_awareness(resolved, {"a": CLAUDE, "b": GPT})  # type: ignore[arg-type]
    specs = {
        agent: AgentSpec(
            model=spec.model,
            provider=spec.provider,
            display_name=spec.display_name,
            system_prompt=plan.system_prompts[agent],  # type: ignore[index]
        )
        for agent, spec in (("a", CLAUDE), ("b", GPT))
    }
    return Conversation.start(
        specs["a"], specs["b"], "Hello.", 4, injections=plan.injections, **options
    )  # type: ignore[arg-type]


def _run(log, conversation, providers, pause_each: bool = False) -> Conversation:
    bus = EventBus()
    conductor = Conductor(log, bus, providers)
    if pause_each:  # Ask for a pause while a reply streams: it lands after that message.
        bus.subscribe(MessageChunk, lambda _chunk: conductor.request_pause("test"))
    return asyncio.run(conductor.run(conversation))


def test_each_agent_receives_only_its_own_prompt_and_injections(tmp_path):
    conversation = _start(tmp_path, {"a": "FILE", "b": "FILE"})
    a, b = RecordingProvider("A"), RecordingProvider("B")
    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        _run(log, conversation, {"a": a, "b": b})
        events = log.aggregate_events(conversation.id)
        files = rebuild_transcripts(log, [conversation.id])

    requests_a, requests_b = a.conversation_requests(), b.conversation_requests()
    assert len(requests_a) == len(requests_b) == 4
    opening_a, opening_b = requests_a[0][0], requests_b[0][0]
    assert opening_a.role == opening_b.role == "system"
    assert opening_a.content.startswith("You are anthropic:claude-x")
    assert opening_b.content == "B's own opening prompt; partner anthropic:claude-x."
    # Never the other agent's prompt or the other agent's injection.
    assert opening_b.content not in a.system_texts()
    assert opening_a.content not in b.system_texts()
    assert "B-only message at turn 2." not in a.system_texts()
    assert "A-only message at turn 2." not in b.system_texts()
    # Injections arrive from their turn on, not before.
    for turn, request in enumerate(requests_a, start=1):
        systems = [m.content for m in request if m.role == "system"]
        assert ("A-only message at turn 2." in systems) == (turn >= 2)
        assert ("A message for both at turn 3." in systems) == (turn >= 3)
    for turn, request in enumerate(requests_b, start=1):
        systems = [m.content for m in request if m.role == "system"]
        assert ("B-only message at turn 2." in systems) == (turn >= 2)
        assert ("A message for both at turn 3." in systems) == (turn >= 3)

    injected = [e for e in events if isinstance(e, Conversation.SystemPromptInjected)]
    assert [(e.turn, e.agents, e.text) for e in injected] == [
        (2, ["a"], "A-only message at turn 2."),
        (2, ["b"], "B-only message at turn 2."),
        (3, ["a", "b"], "A message for both at turn 3."),
    ]
    markdown = files[f"{conversation.id}.md"]
    assert (
        "> **System message to Agent A** (scheduled):\n>\n> A-only message at turn 2." in markdown
    )
    assert "> **System message to Agent A and Agent B** (scheduled)" in markdown
    # Each agent's own system prompt is shown once, after the prompt, before turn 1.
    header = markdown.split("## Turn 1")[0]
    assert f"**System prompt of Agent A (Claude):**\n\n> {opening_a.content}" in header
    assert f"**System prompt of Agent B (GPT-4o):**\n\n> {opening_b.content}" in header


def test_a_file_given_for_one_agent_never_reaches_the_other(tmp_path):
    conversation = _start(tmp_path, {"a": "FILE", "b": "firm"})
    a, b = RecordingProvider("A"), RecordingProvider("B")
    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        _run(log, conversation, {"a": a, "b": b})
    assert b.system_texts() == {load_presets()["firm"]["b"].strip()}
    assert "A message for both at turn 3." in a.system_texts()


def test_injections_are_recorded_once_across_a_pause_and_resume(tmp_path):
    conversation = _start(tmp_path, {"a": "FILE", "b": "FILE"})
    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        providers = {"a": RecordingProvider("A"), "b": RecordingProvider("B")}
        paused = _run(log, conversation, providers, pause_each=True)
        assert paused.is_paused and len(paused.messages) == 1
        while True:  # Pause after every message: the worst case for repeated injections.
            rebuilt = log.load(conversation.id)
            if rebuilt.is_ended:
                break
            _run(log, rebuilt, providers, pause_each=True)
        events = log.aggregate_events(conversation.id)
    injected = [e for e in events if isinstance(e, Conversation.SystemPromptInjected)]
    assert len(injected) == 3
    messages = [(e.turn, e.agent) for e in events if isinstance(e, Conversation.MessageCompleted)]
    assert messages == [(turn, agent) for turn in range(1, 5) for agent in "ab"]
    paused = [e for e in events if isinstance(e, Conversation.ConversationPaused)]
    resumed = [e for e in events if isinstance(e, Conversation.ConversationResumed)]
    assert len(paused) == len(resumed) == 8  # After every message, even the last one.


def _choose_names(
    tmp_path: Path, choices: dict[str, str], name_a: str, name_b: str
) -> tuple[list[tuple[str, str, str]], str, RecordingProvider]:
    """Run a conversation whose agents reply with these names: the NameChosen events
    (agent, name, raw reply), the Markdown transcript, and agent B's provider."""
    conversation = _start(tmp_path, choices, choose_names=True)
    a, b = RecordingProvider("A", chosen_name=name_a), RecordingProvider("B", chosen_name=name_b)
    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        _run(log, conversation, {"a": a, "b": b})
        events = log.aggregate_events(conversation.id)
        files = rebuild_transcripts(log, [conversation.id])
    chosen = [
        (e.agent, e.name, e.raw_reply) for e in events if isinstance(e, Conversation.NameChosen)
    ]
    return chosen, files[f"{conversation.id}.md"], b


def test_agents_choose_names_that_the_log_and_transcript_keep(tmp_path):
    chosen, markdown, b = _choose_names(tmp_path, {"a": "basic", "b": "firm"}, "Nova", "Echo")
    assert chosen == [("a", "Nova", "**Nova**. "), ("b", "Echo", "**Echo**. ")]
    # The name question carried only the asking agent's own system prompt.
    question_b = [sent for sent in b.sent if sent not in b.conversation_requests()]
    assert [m.content for m in question_b[0] if m.role == "system"] == [
        load_presets()["firm"]["b"].strip()
    ]
    assert "| Name | Nova | Echo |" in markdown
    assert "**Nova:**" in markdown and "**Echo:**" in markdown
    assert "- **Agent A chose the name:** Nova (model name Claude)" in markdown


@pytest.mark.parametrize(
    ("reply", "name"),
    [
        ("**Nova**.", "Nova"),
        ("My name is Sol Vega!", "Sol Vega"),
        ("\n\n  Call me Ash\nbecause...", "Ash"),
        ("***", None),
        ("Thank you for asking! I would like a name.", None),
        ("Thank You", None),
        ("I am happy to choose one.", None),
        ("Sure!\nLyra", "Lyra"),
        ("Hello! I'll go by Quill.", "Quill"),
        ("Nova Prime Delta", None),
    ],
)
def test_a_name_is_one_or_two_capitalised_words_never_a_phrase(reply, name):
    assert name_from_reply(reply) == name


def test_two_agents_choosing_one_name_are_told_apart(tmp_path):
    chosen, markdown, _ = _choose_names(tmp_path, {"a": "none", "b": "none"}, "Nova", "Nova")
    assert [(agent, name) for agent, name, _ in chosen] == [("a", "Nova-A"), ("b", "Nova-B")]
    assert "| Name | Nova-A | Nova-B |" in markdown
    # A name alike another agent's model name is told apart too; only the chosen one changes.
    assert distinct_names({"b": "Claude"}, {"a": "Claude", "b": "GPT-4o"}) == {"b": "Claude-B"}
    assert distinct_names({"a": "Ada"}, {"a": "Claude", "b": "GPT-4o"}) == {"a": "Ada"}


def test_local_test_agents_choosing_names_never_share_one(tmp_path):
    from tests.conftest import run_pidgin

    result = run_pidgin("chat", "-q", "-t", "1", "--choose-names", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (path,) = (tmp_path / "pidgin_output" / "transcripts").glob("*.json")
    document = json.loads(path.read_text())
    names = {message["name"] for message in document["messages"]}
    assert len(names) == 2, names
    for chosen in document["chosen_names"].values():
        assert name_from_reply(chosen["name"]) == chosen["name"]  # a name, not a phrase
