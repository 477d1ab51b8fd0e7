"""A small local server that speaks each provider's real streaming wire format.

OpenAI chat.completions SSE, Anthropic Messages SSE (message_start … message_stop),
Gemini streamGenerateContent (SSE, ``alt=sse``) and Ollama NDJSON (``/api/chat``,
``/api/tags``, ``/api/pull``). The real SDKs are pointed at it by base URL. Tests can
queue faults per protocol: an HTTP error status (429 with Retry-After, 500, ...), a slow
start, a stream that ends early without its closing event (``cut``), or a connection
dropped mid-reply (``abort``), or the API's own "prompt too long" 400 (``too_long``).

It runs in its own thread with its own event loop, so code under test can use
``asyncio.run`` freely and a separate ``pidgin`` process can reach it too.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

Protocol = Literal["openai", "anthropic", "gemini", "ollama"]
_WORD = re.compile(r"\S+")
REPLY_NUMBER = web.RequestKey("reply_number", int)
# Each API's 400 for a prompt longer than the model's context window, as documented.
TOO_LONG: dict[str, dict[str, Any]] = {
    "openai": {
        "error": {
            "message": "This model's maximum context length is 128000 tokens. However, your "
            "messages resulted in 131072 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    },
    "anthropic": {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "prompt is too long: 208310 tokens > 200000 maximum",
        },
    },
    "gemini": {
        "error": {
            "code": 400,
            "message": "The input token count (1048600) exceeds the maximum number of tokens "
            "allowed (1048576).",
            "status": "INVALID_ARGUMENT",
        }
    },
}


@dataclass(frozen=True)
class Fault:
    """What to do instead of a normal reply, once."""

    kind: Literal["status", "slow", "cut", "abort", "too_long", "stall"]
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    """Seconds of a ``slow`` start, or of a ``stall`` after the first half of the reply."""
    echo_key: bool = False
    """Put the credential the request carried into the error message, as some APIs do."""


@dataclass
class SeenRequest:
    protocol: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.time)
    """When it arrived (wall clock: other processes' requests are compared)."""


@dataclass
class ServerState:
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    ollama_models: set[str] = field(default_factory=lambda: {"qwen2.5:0.5b"})
    chunk_delay: float = 0.0
    scripted: deque[str] = field(default_factory=deque)
    """Replies to send next, in order, instead of the generated ones (any protocol)."""
    cache_read: int = 0
    """Input tokens each reply reports as read from the prompt cache (in its API's field)."""
    cache_write: int = 0
    """Input tokens each reply reports as written to the cache (Anthropic, OpenRouter)."""
    thinking: str | None = None
    """Thinking each reply streams before its text, in its API's format."""
    reject_temperature: bool = False
    """Answer 400 to a request that sets a temperature (as reasoning models do)."""
    no_usage: bool = False
    """Send no usage at all (as llama_cpp.server and some other servers do)."""
    tokenizer: bool = False
    """Serve llama_cpp.server's ``POST /extras/tokenize`` (one token per word)."""
    cost: float | None = None
    """OpenRouter's ``usage.cost`` (US dollars) to send with the usage."""
    served_model: str | None = None
    """The model a gateway says served the reply (else the one asked for)."""


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def reply_text(protocol: str, number: int, heard: str) -> str:
    """A deterministic reply that echoes a little of what was heard."""
    echo = " ".join(words(heard)[:6]) or "nothing"
    return (
        f"Reply {number} from the {protocol} test server. You said: {echo}. "
        "Let us keep talking about languages, trade and the words people share."
    )


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or a list of content blocks."""
    if isinstance(content, list):
        return " ".join(str(block.get("text", "")) for block in content)
    return str(content or "")


def chunks_of(text: str, size: int = 3) -> list[str]:
    pieces = re.findall(r"\S+\s*", text)
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


class FakeProviderServer:
    """Start with :meth:`start`, stop with :meth:`stop`; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.state = ServerState()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- control ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, protocol: Protocol, *faults: Fault) -> None:
        """Queue faults for the next requests of ``protocol`` (one fault per request)."""
        self.state.faults.setdefault(protocol, deque()).extend(faults)

    def reset(self) -> None:
        self.state.faults.clear()
        self.state.requests.clear()
        self.state.ollama_models = {"qwen2.5:0.5b"}
        self.state.chunk_delay = 0.0
        self.state.scripted.clear()
        for name in ("cache_read", "cache_write"):
            setattr(self.state, name, 0)
        for name in ("thinking", "cost", "served_model"):
            setattr(self.state, name, None)
        for name in ("reject_temperature", "no_usage", "tokenizer"):
            setattr(self.state, name, False)

    def script(self, *replies: str) -> None:
        """Send ``replies`` (in order) as the next replies, whatever the protocol."""
        self.state.scripted.extend(replies)

    def requests(self, protocol: str | None = None) -> list[SeenRequest]:
        return [r for r in self.state.requests if protocol is None or r.protocol == protocol]

    def start(self) -> FakeProviderServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/v1/messages", self._anthropic)
        app.router.add_post("/{version}/models/{model_action}", self._gemini)
        app.router.add_post("/api/chat", self._ollama_chat)
        app.router.add_get("/api/tags", self._ollama_tags)
        app.router.add_post("/api/pull", self._ollama_pull)
        app.router.add_post("/extras/tokenize", self._tokenize)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    # -- shared machinery ------------------------------------------------------------------

    async def _begin(
        self, protocol: str, request: web.Request
    ) -> tuple[dict[str, Any], Fault | None]:
        body = await request.json()
        self.state.requests.append(
            SeenRequest(protocol, request.path_qs, dict(request.headers), body)
        )
        # The reply's number: this request's place among its protocol's requests, fixed now
        # so a slow request left over from an earlier test cannot shift later numbers.
        request[REPLY_NUMBER] = len(self.requests(protocol))
        queue = self.state.faults.get(protocol)
        fault = queue.popleft() if queue else None
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        return body, fault

    def _error(self, fault: Fault, payload: dict[str, Any]) -> web.Response:
        if fault.echo_key:
            seen = {k.lower(): v for k, v in self.state.requests[-1].headers.items()}
            key = next(
                (seen[h] for h in ("x-api-key", "x-goog-api-key", "authorization") if h in seen),
                "",
            )
            payload = json.loads(
                json.dumps(payload).replace("injected failure", f"Incorrect API key: {key}")
            )
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        return web.json_response(payload, status=fault.status, headers=headers)

    def _temperature_refused(self, body: dict[str, Any]) -> bool:
        return self.state.reject_temperature and (
            "temperature" in body or "temperature" in body.get("generationConfig", {})
        )

    async def _stream(
        self,
        request: web.Request,
        content_type: str,
        frames: list[bytes],
        fault: Fault | None,
        complete_after: int,
    ) -> web.StreamResponse:
        """Send ``frames``; a ``cut`` fault stops cleanly after ``complete_after`` frames
        minus the closing ones, an ``abort`` fault drops the connection there."""
        response = web.StreamResponse(headers={"Content-Type": content_type})
        if fault is not None and fault.kind in ("cut", "abort"):
            frames = frames[: max(1, complete_after // 2)]
        try:
            await response.prepare(request)
            for index, frame in enumerate(frames):
                await response.write(frame)
                if self.state.chunk_delay:
                    await asyncio.sleep(self.state.chunk_delay)
                if fault is not None and fault.kind == "stall" and index == complete_after // 2:
                    await asyncio.sleep(fault.delay)
            if fault is not None and fault.kind == "abort":
                assert request.transport is not None
                request.transport.abort()
                return response
            await response.write_eof()
        except ConnectionError:  # The client gave up (a timeout test): nothing to send.
            pass
        return response

    def _next_reply(self, request: web.Request, protocol: str, heard: str) -> str:
        if self.state.scripted:
            return self.state.scripted.popleft()
        return reply_text(protocol, request[REPLY_NUMBER], heard)

    # -- OpenAI chat.completions -----------------------------------------------------------

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        body, fault = await self._begin("openai", request)
        if fault is not None and fault.kind == "too_long":
            return web.json_response(TOO_LONG["openai"], status=400)
        if fault is not None and fault.kind == "status":
            return self._error(
                fault,
                {"error": {"message": "injected failure", "type": "server_error", "code": None}},
            )
        if self._temperature_refused(body):
            error = {
                "message": "Unsupported parameter: 'temperature' is not supported with this model.",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "unsupported_parameter",
            }
            return web.json_response({"error": error}, status=400)
        messages = body["messages"]
        heard = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        text = self._next_reply(request, "openai", heard)
        model = self.state.served_model or body["model"]
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model}

        def frame(data: dict[str, Any]) -> bytes:
            return f"data: {json.dumps({**base, **data})}\n\n".encode()

        frames = [
            frame(
                {
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"role": "assistant", "content": ""},
                            "finish_reason": None,
                        }
                    ]
                }
            )
        ]
        thinking = self.state.thinking
        frames += [
            frame(
                {
                    "choices": [
                        {"index": 0, "delta": {"reasoning_content": c}, "finish_reason": None}
                    ]
                }
            )
            for c in chunks_of(thinking or "")
        ]
        frames += [
            frame({"choices": [{"index": 0, "delta": {"content": c}, "finish_reason": None}]})
            for c in chunks_of(text)
        ]
        content_frames = len(frames)
        frames.append(frame({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        wants_usage = body.get("stream_options", {}).get("include_usage")
        if wants_usage and not self.state.no_usage:
            prompt_tokens = sum(len(words(m["content"])) for m in messages)
            reasoning = len(words(thinking or ""))
            completion = len(words(text)) + reasoning
            usage: dict[str, Any] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion,
                "total_tokens": prompt_tokens + completion,
                "prompt_tokens_details": {"cached_tokens": self.state.cache_read},
                "completion_tokens_details": {"reasoning_tokens": reasoning},
            }
            if self.state.cache_write:
                usage["prompt_tokens_details"]["cache_write_tokens"] = self.state.cache_write
            if self.state.cost is not None:
                usage["cost"] = self.state.cost
            frames.append(frame({"choices": [], "usage": usage}))
        frames.append(b"data: [DONE]\n\n")
        return await self._stream(request, "text/event-stream", frames, fault, content_frames)

    # -- Anthropic Messages ----------------------------------------------------------------

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        body, fault = await self._begin("anthropic", request)
        if fault is not None and fault.kind == "too_long":
            return web.json_response(TOO_LONG["anthropic"], status=400)
        if fault is not None and fault.kind == "status":
            kind = "rate_limit_error" if fault.status == 429 else "api_error"
            return self._error(
                fault, {"type": "error", "error": {"type": kind, "message": "injected failure"}}
            )
        if self._temperature_refused(body):
            error = {"type": "invalid_request_error", "message": "temperature: not supported"}
            return web.json_response({"type": "error", "error": error}, status=400)
        messages = body["messages"]
        heard = next((text_of(m["content"]) for m in reversed(messages) if m["role"] == "user"), "")
        text = self._next_reply(request, "anthropic", heard)
        tokens_in = sum(len(words(text_of(m["content"]))) for m in messages)
        tokens_in += len(words(text_of(body.get("system", ""))))
        cached = self.state.cache_read + self.state.cache_write

        def frame(kind: str, data: dict[str, Any]) -> bytes:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()

        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": body["model"],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                # Anthropic's input_tokens leave out what was read from or written to the cache.
                "input_tokens": max(0, tokens_in - cached),
                "cache_read_input_tokens": self.state.cache_read,
                "cache_creation_input_tokens": self.state.cache_write,
                "output_tokens": 1,
            },
        }
        frames = [frame("message_start", {"message": message}), frame("ping", {})]
        index = 0
        if self.state.thinking:
            block = {"type": "thinking", "thinking": "", "signature": ""}
            frames.append(frame("content_block_start", {"index": 0, "content_block": block}))
            frames += [
                frame(
                    "content_block_delta",
                    {"index": 0, "delta": {"type": "thinking_delta", "thinking": c}},
                )
                for c in chunks_of(self.state.thinking)
            ]
            signature = {"type": "signature_delta", "signature": "c2lnbmF0dXJl"}
            frames.append(frame("content_block_delta", {"index": 0, "delta": signature}))
            frames.append(frame("content_block_stop", {"index": 0}))
            index = 1
        frames.append(
            frame(
                "content_block_start",
                {"index": index, "content_block": {"type": "text", "text": ""}},
            )
        )
        frames += [
            frame(
                "content_block_delta",
                {"index": index, "delta": {"type": "text_delta", "text": c}},
            )
            for c in chunks_of(text)
        ]
        content_frames = len(frames)
        frames += [
            frame("content_block_stop", {"index": index}),
            frame(
                "message_delta",
                {
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": len(words(text))},
                },
            ),
            frame("message_stop", {}),
        ]
        return await self._stream(request, "text/event-stream", frames, fault, content_frames)

    # -- Gemini streamGenerateContent ------------------------------------------------------

    async def _gemini(self, request: web.Request) -> web.StreamResponse:
        model, _, action = request.match_info["model_action"].partition(":")
        if action != "streamGenerateContent":
            raise web.HTTPNotFound()
        body, fault = await self._begin("gemini", request)
        if fault is not None and fault.kind == "too_long":
            return web.json_response(TOO_LONG["gemini"], status=400)
        if fault is not None and fault.kind == "status":
            status_name = "RESOURCE_EXHAUSTED" if fault.status == 429 else "INTERNAL"
            return self._error(
                fault,
                {
                    "error": {
                        "code": fault.status,
                        "message": "injected failure",
                        "status": status_name,
                    }
                },
            )
        if self._temperature_refused(body):
            error = {"code": 400, "message": "temperature is not supported", "status": "INVALID"}
            return web.json_response({"error": error}, status=400)
        contents = body["contents"]
        texts = [p.get("text", "") for c in contents for p in c.get("parts", [])]
        heard = next(
            (
                p.get("text", "")
                for c in reversed(contents)
                if c.get("role") == "user"
                for p in c.get("parts", [])
            ),
            "",
        )
        text = self._next_reply(request, "gemini", heard)
        system = body.get("systemInstruction") or {}
        texts += [p.get("text", "") for p in system.get("parts", [])]
        prompt_tokens = sum(len(words(t)) for t in texts)

        thoughts = len(words(self.state.thinking or ""))

        def frame(part: str, final: bool, thought: bool = False) -> bytes:
            piece: dict[str, Any] = {"text": part, "thought": True} if thought else {"text": part}
            candidate: dict[str, Any] = {
                "content": {"parts": [piece], "role": "model"},
                "index": 0,
            }
            if final:
                candidate["finishReason"] = "STOP"
            usage = {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": len(words(text)) if final else 0,
                "totalTokenCount": prompt_tokens + (len(words(text)) + thoughts if final else 0),
            }
            if self.state.cache_read:
                usage["cachedContentTokenCount"] = self.state.cache_read
            if thoughts and final:
                usage["thoughtsTokenCount"] = thoughts
            data = {"candidates": [candidate], "usageMetadata": usage, "modelVersion": model}
            return f"data: {json.dumps(data)}\r\n\r\n".encode()

        pieces = chunks_of(text) or [""]
        frames = [frame(c, False, thought=True) for c in chunks_of(self.state.thinking or "")]
        frames += [frame(p, final=i == len(pieces) - 1) for i, p in enumerate(pieces)]
        return await self._stream(request, "text/event-stream", frames, fault, len(frames))

    # -- Ollama ----------------------------------------------------------------------------

    async def _ollama_chat(self, request: web.Request) -> web.StreamResponse:
        body, fault = await self._begin("ollama", request)
        if fault is not None and fault.kind == "status":
            return self._error(fault, {"error": "injected failure"})
        if body["model"] not in self.state.ollama_models:
            return web.json_response({"error": f"model '{body['model']}' not found"}, status=404)
        messages = body["messages"]
        heard = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        text = self._next_reply(request, "ollama", heard)

        def line(data: dict[str, Any]) -> bytes:
            return (
                json.dumps({"model": body["model"], "created_at": "2026-01-01T00:00:00Z", **data})
                + "\n"
            ).encode()

        frames = [
            line({"message": {"role": "assistant", "content": "", "thinking": c}, "done": False})
            for c in chunks_of(self.state.thinking or "")
        ]
        frames += [
            line({"message": {"role": "assistant", "content": c}, "done": False})
            for c in chunks_of(text)
        ]
        content_frames = len(frames)
        frames.append(
            line(
                {
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                    "total_duration": 1000,
                    "load_duration": 10,
                    **(
                        {}
                        if self.state.no_usage
                        else {
                            "prompt_eval_count": sum(len(words(m["content"])) for m in messages),
                            "eval_count": len(words(text)),
                        }
                    ),
                }
            )
        )
        return await self._stream(
            request, "application/x-ndjson", frames, fault, content_frames + 1
        )

    async def _tokenize(self, request: web.Request) -> web.Response:
        """llama_cpp.server's tokenizer: one token per word here."""
        if not self.state.tokenizer:
            raise web.HTTPNotFound()
        body = await request.json()
        self.state.requests.append(SeenRequest("tokenize", request.path, {}, body))
        return web.json_response({"tokens": list(range(len(words(body["input"]))))})

    async def _ollama_tags(self, request: web.Request) -> web.Response:
        models = [
            {"name": name, "model": name, "size": 1} for name in sorted(self.state.ollama_models)
        ]
        return web.json_response({"models": models})

    async def _ollama_pull(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.state.requests.append(SeenRequest("ollama-pull", request.path, {}, body))
        name = body["model"]
        lines = [{"status": "pulling manifest"}]
        lines += [
            {"status": "downloading", "digest": "sha256:0", "total": 300, "completed": done}
            for done in (100, 200, 300)
        ]
        lines += [{"status": "verifying sha256 digest"}, {"status": "success"}]
        self.state.ollama_models.add(name)
        frames = [(json.dumps(x) + "\n").encode() for x in lines]
        return await self._stream(request, "application/x-ndjson", frames, None, len(frames))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
