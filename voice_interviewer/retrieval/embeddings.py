"""Sentence embeddings from the bundled all-MiniLM-L6-v2 int8 ONNX model (no PyTorch).

Also a Chroma embedding function, so Chroma never falls back to its own default (which would
download a model at run time).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from voice_interviewer.models import MINILM_ONNX, MINILM_TOKENIZER, Checksums, verified_file

MAX_TOKENS = 256


FIRST_WORD_ID = 1996  # "the": the ids before it are padding, unused slots, characters and symbols


class MiniLMEmbedder:
    """all-MiniLM-L6-v2: mean-pooled, L2-normalized 384-d vectors."""

    name = "all-MiniLM-L6-v2-int8"
    dim = 384

    def __init__(self, sums: Checksums) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = verified_file(MINILM_ONNX, "model.onnx", sums)
        tok = verified_file(MINILM_TOKENIZER, "model/tokenizer.json", sums)
        self._tok = Tokenizer.from_file(str(tok))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.enable_padding(pad_id=0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        opts.log_severity_level = 3
        opts.enable_cpu_mem_arena = False  # the arena keeps ~150 MB for a 23 MB model; batches are small
        self._session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    def word_rank(self, word: str) -> int | None:
        """Where ``word`` (lower case) stands in the tokenizer's vocabulary as a whole word, or None.

        Its WordPiece vocabulary was built from English text most frequent first, so a low rank is an
        everyday word ("model" about 950, "always" 470) and a term like "isotonic" or "smote" has none.
        """
        i = self._tok.token_to_id(word)
        return None if i is None or i < FIRST_WORD_ID else i - FIRST_WORD_ID

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for i in range(0, len(todo), 32):
            batch = todo[i : i + 32]
            for t, v in zip(batch, self._run(batch), strict=True):
                self._cache[t] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _run(self, batch: list[str]) -> np.ndarray:
        enc = self._tok.encode_batch(batch)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        with self._lock:
            (hidden,) = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class ChromaEmbeddingFunction:
    """Adapter that Chroma accepts as ``embedding_function``."""

    def __init__(self, embedder: MiniLMEmbedder) -> None:
        self._e = embedder

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002 (Chroma's name)
        return list(self._e.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "voice-interviewer-minilm-int8"

    def embed_query(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002
        return self(input)

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        """Chroma rebuilds the function from a stored collection with this: the same local model."""
        from voice_interviewer.models import Checksums

        return ChromaEmbeddingFunction(MiniLMEmbedder(Checksums(None)))

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]
