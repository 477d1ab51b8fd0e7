"""The live terminal view of a conversation: a subscriber of the EventBus."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from rich.console import Console
from rich.text import Text

from pidgin.bus import EventBus, MessageChunk
from pidgin.cli.live_findings import LiveFindings
from pidgin.cli.word_wrap import StreamWrapper
from pidgin.domain import Conversation

AGENT_STYLES = {"a": "bold cyan", "b": "bold magenta"}


class LiveView:
    """Prints agents' names, their replies as they stream (wrapped between words), and
    turn separators.

    ``delay`` waits that many seconds after each message (a pace a demo can follow; the
    recording is not changed by it). ``max_attempts`` per agent lets a failed attempt be
    shown as "attempt 2 of 4".
    """

    def __init__(
        self,
        console: Console,
        *,
        delay: float = 0.0,
        max_attempts: Mapping[str, int] | None = None,
    ) -> None:
        self._console = console
        self._delay = delay
        self._max_attempts = dict(max_attempts or {})
        self._names: dict[str, str] = {}
        self._mid_message = False
        self._turn_texts: dict[int, dict[str, str]] = {}
        self._copied_turns = 0  # a branch's turns taken from its parent are not shown again
        self._wrapper = StreamWrapper(console.width)

    def attach(self, bus: EventBus) -> None:
        bus.subscribe(Conversation.ConversationStarted, self.on_started)
        bus.subscribe(Conversation.MessageRequested, self.on_requested)
        bus.subscribe(MessageChunk, self.on_chunk)
        bus.subscribe(Conversation.MessageCompleted, self.on_completed)
        bus.subscribe(Conversation.TurnCompleted, self.on_turn_completed)
        bus.subscribe(Conversation.ConvergenceThresholdReached, self.on_threshold)
        bus.subscribe(Conversation.ProviderErrored, self.on_error)
        bus.subscribe(Conversation.RateLimited, self.on_rate_limited)
        bus.subscribe(Conversation.ConversationEnded, self.on_ended)
        bus.subscribe(Conversation.NameChosen, self.on_name_chosen)
        bus.subscribe(Conversation.SystemPromptInjected, self.on_injected)
        bus.subscribe(Conversation.ConversationPaused, self.on_paused)
        bus.subscribe(Conversation.ConvergenceSettingsChanged, self.on_convergence_changed)

        LiveFindings(self._console).attach(bus)

    def on_started(self, event: Conversation.ConversationStarted) -> None:
        names = {"a": event.agent_a["display_name"], "b": event.agent_b["display_name"]}
        models = {"a": event.agent_a["model"], "b": event.agent_b["model"]}
        self._header(str(event.originator_id), names, models, event.prompt)
        if event.parent_conversation_id is not None and event.branch_turn:
            self._copied_turns = event.branch_turn
            self._console.print(
                Text(
                    f"A branch of {event.parent_conversation_id} after turn "
                    f"{event.branch_turn}: turns 1–{event.branch_turn} are the parent's "
                    "(in its transcript); the branch goes on from there.",
                    style="yellow",
                )
            )
        elif event.parent_conversation_id is not None:
            self._console.print(
                Text(f"A branch of {event.parent_conversation_id} from its start.", style="yellow")
            )

    def show_resuming(self, conversation: Conversation) -> None:
        """The header of a conversation continued from the log (its start was shown before)."""
        names = {agent: conversation.display_name(agent) for agent in ("a", "b")}
        models = {agent: conversation.agents[agent].model for agent in ("a", "b")}
        self._header(str(conversation.id), names, models, conversation.prompt)
        turn = conversation.completed_turns + 1
        spoken = sum(1 for m in conversation.messages if m.turn == turn)
        where = f"turn {turn} of {conversation.max_turns}"
        if spoken:
            where += f" (its message {spoken + 1})"
        paused = f", paused ({conversation.paused_reason})" if conversation.is_paused else ""
        done = conversation.completed_turns
        recorded = f"{done} turn" + ("" if done == 1 else "s")
        self._console.print(
            Text(
                f"Resuming at {where}: {recorded} recorded{paused}.",
                style="yellow",
            )
        )

    def _header(
        self, conversation_id: str, names: dict[str, str], models: dict[str, str], prompt: str
    ) -> None:
        self._names = dict(names)
        self._console.print(
            Text.assemble(
                ("Conversation ", "bold"),
                (conversation_id, "dim"),
                "\n",
                (names["a"], AGENT_STYLES["a"]),
                f" ({models['a']})  ↔  ",
                (names["b"], AGENT_STYLES["b"]),
                f" ({models['b']})\n",
                ("Prompt: ", "bold"),
                prompt,
            )
        )

    def on_requested(self, event: Conversation.MessageRequested) -> None:
        name = self._names.get(event.agent, event.agent.upper())
        self._console.print()
        self._console.print(Text(f"{name}:", style=AGENT_STYLES.get(event.agent, "bold")))
        self._mid_message = True
        self._wrapper = StreamWrapper(self._console.width)

    def on_chunk(self, chunk: MessageChunk) -> None:
        self._write(self._wrapper.feed(chunk.text))

    async def on_completed(self, event: Conversation.MessageCompleted) -> None:
        if event.turn <= self._copied_turns:
            return
        self._write(self._wrapper.flush())
        self._console.print()
        self._mid_message = False
        self._turn_texts.setdefault(event.turn, {})[event.agent] = event.text
        if self._delay > 0:
            await asyncio.sleep(self._delay)

    def on_turn_completed(self, event: Conversation.TurnCompleted) -> None:
        from projections.metrics.headline import headline_metrics, headline_text

        if event.turn <= self._copied_turns:
            return
        self._console.print()
        self._console.rule(f"Turn {event.turn} · convergence {event.convergence:.3f}", style="dim")
        texts = self._turn_texts.pop(event.turn, {})
        if "a" in texts and "b" in texts:
            headline = headline_text(headline_metrics(texts["a"], texts["b"]))
            self._console.print(Text(headline, style="dim"), justify="center")

    def on_threshold(self, event: Conversation.ConvergenceThresholdReached) -> None:
        self._finish_line()
        message = {
            "stop": "ending the conversation",
            "pause": "pausing the conversation (resumable)",
            "notify": "continuing",
        }.get(event.action, event.action)
        self._console.print(
            Text(
                f"Convergence {event.convergence:.3f} reached the threshold "
                f"{event.threshold:.3f} in turn {event.turn}: {message}.",
                style="bold yellow",
            )
        )

    def on_error(self, event: Conversation.ProviderErrored) -> None:
        """One line per failed attempt: which, of how many, and whether another follows."""
        self._finish_line()
        most = self._max_attempts.get(event.agent)
        attempt = f"attempt {event.attempt}" + (f" of {most}" if most else "")
        status = f" (status {event.status})" if event.status is not None else ""
        line = f"{event.provider}: {attempt} failed{status}: {event.message}"
        if most is not None:
            line += " — retrying" if event.retryable and event.attempt < most else " — giving up"
        self._console.print(Text(line, style="red"))

    def on_rate_limited(self, event: Conversation.RateLimited) -> None:
        """Say why nothing is streaming: a wait can last up to a minute."""
        self._finish_line()
        message = f"Waiting {event.wait_seconds:.1f} s for {event.provider} ({event.reason})"
        self._console.print(Text(message, style="yellow"))

    def on_name_chosen(self, event: Conversation.NameChosen) -> None:
        self._finish_line()
        old = self._names.get(event.agent, event.agent.upper())
        self._names[event.agent] = event.name
        style = AGENT_STYLES.get(event.agent, "bold")
        self._console.print(Text.assemble(f"{old} chose the name ", (event.name, style)))

    def on_injected(self, event: Conversation.SystemPromptInjected) -> None:
        if event.turn <= self._copied_turns:
            return
        self._finish_line()
        who = " and ".join(self._names.get(a, a.upper()) for a in event.agents)
        origin = "human conductor" if event.source == "human" else "scheduled"
        self._console.print(Text(f"[system → {who}, {origin}] {event.text}", style="yellow"))

    def on_paused(self, event: Conversation.ConversationPaused) -> None:
        self._finish_line()
        self._console.print(Text(f"Paused ({event.reason}) after turn {event.turn}", style="dim"))

    def on_convergence_changed(self, event: Conversation.ConvergenceSettingsChanged) -> None:
        threshold = "off" if event.threshold is None else f"{event.threshold:g}"
        message = f"From turn {event.turn + 1}: convergence threshold {threshold}, "
        self._console.print(Text(message + f"action {event.action}.", style="yellow"))

    def on_ended(self, event: Conversation.ConversationEnded) -> None:
        self._finish_line()

    def _finish_line(self) -> None:
        if self._mid_message:
            self._write(self._wrapper.flush())
            self._console.print()
            self._mid_message = False

    def _write(self, text: str) -> None:
        if text:
            self._console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
