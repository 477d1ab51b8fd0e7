"""The live terminal view of a conversation: a subscriber of the EventBus."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from pidgin.bus import EventBus, MessageChunk
from pidgin.domain import Conversation

AGENT_STYLES = {"a": "bold cyan", "b": "bold magenta"}


class LiveView:
    """Prints agents' names, their replies as they stream, and turn separators."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._names: dict[str, str] = {}
        self._mid_message = False
        self._turn_texts: dict[int, dict[str, str]] = {}

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

    def on_started(self, event: Conversation.ConversationStarted) -> None:
        self._names = {"a": event.agent_a["display_name"], "b": event.agent_b["display_name"]}
        header = Text.assemble(
            ("Conversation ", "bold"),
            (str(event.originator_id), "dim"),
            "\n",
            (self._names["a"], AGENT_STYLES["a"]),
            f" ({event.agent_a['model']})  ↔  ",
            (self._names["b"], AGENT_STYLES["b"]),
            f" ({event.agent_b['model']})\n",
            ("Prompt: ", "bold"),
            event.prompt,
        )
        self._console.print(header)

    def on_requested(self, event: Conversation.MessageRequested) -> None:
        name = self._names.get(event.agent, event.agent.upper())
        self._console.print()
        self._console.print(Text(f"{name}:", style=AGENT_STYLES.get(event.agent, "bold")))
        self._mid_message = True

    def on_chunk(self, chunk: MessageChunk) -> None:
        self._console.print(chunk.text, end="", markup=False, highlight=False, soft_wrap=True)

    def on_completed(self, event: Conversation.MessageCompleted) -> None:
        self._console.print()
        self._mid_message = False
        self._turn_texts.setdefault(event.turn, {})[event.agent] = event.text

    def on_turn_completed(self, event: Conversation.TurnCompleted) -> None:
        from projections.metrics.headline import headline_metrics, headline_text

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
        self._finish_line()
        self._console.print(Text(f"Error from {event.provider}: {event.message}", style="red"))

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
        self._finish_line()
        who = " and ".join(self._names.get(a, a.upper()) for a in event.agents)
        origin = "human conductor" if event.source == "human" else "scheduled"
        self._console.print(Text(f"[system → {who}, {origin}] {event.text}", style="yellow"))

    def on_paused(self, event: Conversation.ConversationPaused) -> None:
        self._finish_line()
        self._console.print(Text(f"Paused ({event.reason}) after turn {event.turn}", style="dim"))

    def on_ended(self, event: Conversation.ConversationEnded) -> None:
        self._finish_line()

    def _finish_line(self) -> None:
        if self._mid_message:
            self._console.print()
            self._mid_message = False
