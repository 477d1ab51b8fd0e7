"""Before an Ollama conversation: is the server there, and does it have the model?

Runs before anything is recorded. A model that is missing is pulled (``POST /api/pull``)
with a progress bar once the user agrees, or straight away with ``--yes``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import aiohttp

from pidgin.errors import PidginError

START_HINT = "start it with `ollama serve` (install from ollama.com), or set OLLAMA_HOST"


async def installed_models(host: str, timeout: float = 5.0) -> set[str]:
    """Names of the models the Ollama server at ``host`` has (``GET /api/tags``)."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(f"{host}/api/tags") as response,
        ):
            if response.status != 200:
                raise PidginError(f"Ollama at {host} answered HTTP {response.status} to /api/tags")
            data = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError):
        raise PidginError(f"no Ollama server answers at {host}; {START_HINT}") from None
    names: set[str] = set()
    for entry in data.get("models", []):
        for key in ("name", "model"):
            if isinstance(entry.get(key), str):
                names.add(entry[key])
    return names


def has_model(installed: set[str], model: str) -> bool:
    """Ollama names a model without a tag as ``:latest``."""
    return model in installed or (":" not in model and f"{model}:latest" in installed)


async def pull_model(host: str, model: str, progress: Callable[[str, int, int], None]) -> None:
    """Pull ``model``, reporting (status, completed bytes, total bytes) as it streams."""
    timeout = aiohttp.ClientTimeout(total=None, sock_read=300)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(f"{host}/api/pull", json={"model": model, "stream": True}) as response,
    ):
        if response.status != 200:
            raise PidginError(f"Ollama could not pull {model}: HTTP {response.status}")
        async for raw in response.content:
            if not raw.strip():
                continue
            data = json.loads(raw)
            if "error" in data:
                raise PidginError(f"Ollama could not pull {model}: {data['error']}")
            progress(
                str(data.get("status", "")),
                int(data.get("completed", 0)),
                int(data.get("total", 0)),
            )
            if data.get("status") == "success":
                return
    raise PidginError(f"Ollama stopped pulling {model} before it finished")


def ensure_model(
    host: str, model: str, *, assume_yes: bool, confirm: Callable[[str], bool]
) -> None:
    """Check the server and the model; pull it (with consent) when it is missing."""
    if has_model(asyncio.run(installed_models(host)), model):
        return
    if not assume_yes and not confirm(f"Ollama at {host} does not have {model}. Pull it now?"):
        raise PidginError(f"Ollama model {model} is not installed; run `ollama pull {model}`")
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn()) as bar:
        task = bar.add_task(f"pulling {model}", total=None)

        def show(status: str, completed: int, total: int) -> None:
            bar.update(
                task, description=f"{model}: {status}", completed=completed, total=total or None
            )

        asyncio.run(pull_model(host, model, show))
