"""``attach`` shows the message being written from the runner's live file, then only the
rest of it when the log has the completed message: nothing twice, nothing missing."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console

from eventlog import open_store
from pidgin.bus import EventBus, MessageChunk
from pidgin.cli.attach import _Follower
from pidgin.domain.experiment import Experiment
from pidgin.experiments.live_stream import LIVE_DIR, StreamWriter, read_partial
from pidgin.experiments.pidfiles import RunnerLock, experiment_dir
from pidgin.experiments.plan import conversation_settings, new_conversation
from pidgin.experiments.spec import ExperimentSpec


def test_partial_messages_stream_to_an_attached_view_without_repeats(tmp_path):
    output = tmp_path / "out"
    spec = ExperimentSpec(turns=2, repetitions=1)
    settings = conversation_settings(spec)
    experiment = Experiment.create("live", {"output": str(output)}, settings, 1)
    (cid,) = experiment.scheduled
    conversation = new_conversation(settings, cid, experiment.id, 0, "live")
    live = experiment_dir(output, experiment.id) / LIVE_DIR
    writer_bus = EventBus()
    StreamWriter(live).attach(writer_bus)

    async def runner_side(*items: object) -> None:
        for item in items:
            await writer_bus.publish(item)

    screen = io.StringIO()
    with (
        open_store(f"sqlite:///{tmp_path}/events.db") as log,
        RunnerLock(experiment_dir(output, experiment.id)),
    ):
        log.save(experiment)
        conversation.start_turn(1)
        conversation.request_message("a", 1)
        events = conversation.collect_events()
        log.save(*events)
        asyncio.run(
            runner_side(
                *events, MessageChunk(cid, "a", 1, "Hello, "), MessageChunk(cid, "a", 1, "wor")
            )
        )
        assert read_partial(live, cid) == ("a", 1, "Hello, wor")

        follower = _Follower(log, experiment.id, output, Console(file=screen, width=200))
        asyncio.run(follower.pick())
        asyncio.run(follower.stream_partial())
        asyncio.run(follower.stream_partial())  # Nothing new: nothing printed again.
        # "wor" may be the start of a longer word: the view holds it back until it knows
        # where the word ends, so it can wrap between words.
        assert screen.getvalue().endswith("Hello,")

        asyncio.run(runner_side(MessageChunk(cid, "a", 1, "ld.")))
        conversation.complete_message(
            "a",
            1,
            "Hello, world.",
            tokens_in=1,
            tokens_out=2,
            time_to_first_token=0.1,
            duration=0.2,
            model="local:test",
        )
        conversation.end("interrupted")
        events = conversation.collect_events()
        log.save(*events)
        for event in events:
            asyncio.run(follower.show(event))
        asyncio.run(runner_side(*events))
    assert screen.getvalue().count("Hello, world.") == 1
    assert "Hello, worHello" not in screen.getvalue()
    assert read_partial(live, cid) is None  # Removed when the conversation ended.
