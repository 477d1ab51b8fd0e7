"""Token counts from an OpenAI-compatible server's own tokenizer, for servers that
stream no usage: llama_cpp.server answers ``POST /extras/tokenize`` with the tokens.

A server without the endpoint gives None (unknown): a count is never made up.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

TOKENIZE_TIMEOUT = 5.0


def tokenize_url(base_url: str) -> str:
    """The endpoint beside the API: ``http://host:8000/v1`` → ``http://host:8000/extras/tokenize``."""
    root = base_url.rstrip("/")
    if root.endswith("/v1"):
        root = root[: -len("/v1")]
    return root + "/extras/tokenize"


def _count(url: str, model: str, text: str) -> int | None:
    body = json.dumps({"input": text, "model": model}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TOKENIZE_TIMEOUT) as response:
            tokens = json.loads(response.read()).get("tokens")
    except (OSError, ValueError, AttributeError, urllib.error.URLError):
        return None
    return len(tokens) if isinstance(tokens, list) else None


async def count_tokens(base_url: str, model: str, text: str) -> int | None:
    """Tokens in ``text`` by the server's tokenizer, or None when it cannot say."""
    if not text:
        return 0
    if not base_url.startswith(("http://", "https://")):
        return None
    return await asyncio.to_thread(_count, tokenize_url(base_url), model, text)
