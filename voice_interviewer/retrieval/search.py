"""Searching the index: ranked chunks for a query, the rubric question behind free text, culture notes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from voice_interviewer.engines import Engines
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.retrieval.index import KNOWLEDGE, QUESTIONS, embed, ensure_built, read
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import clip

MATCH_THRESHOLD = 0.4  # cosine similarity to accept a free-text question (paraphrases score 0.42+, unrelated 0.31-)


@dataclass(frozen=True)
class Hit:
    text: str
    source: str
    heading: str
    round: str
    kind: str
    score: float  # cosine similarity, 1 is identical


def _hits(res: dict[str, Any]) -> list[Hit]:
    out = []
    for doc, meta, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True):
        out.append(
            Hit(
                doc,
                meta["source"],
                meta["heading"],
                meta.get("round", ""),
                meta.get("kind", ""),
                round(1.0 - float(dist), 3),
            )
        )
    return out


def search(
    engines: Engines, query: str, k: int = 5, round_: str | None = None, kinds: Iterable[str] | None = None
) -> list[Hit]:
    """The k chunks closest to the query, best first, from the round's chunks and the general ones."""
    if not query.strip():
        raise UserError("The search query is empty.", ExitCode.USAGE)
    ensure_built(engines, KNOWLEDGE)
    where: dict[str, Any] | None = None
    conds: list[dict[str, Any]] = []
    if round_:
        conds.append({"round": {"$in": [round_, ""]}})
    if kinds:
        conds.append({"kind": {"$in": list(kinds)}})
    if conds:
        where = conds[0] if len(conds) == 1 else {"$and": conds}
    vector = embed(engines, [query])
    return _hits(read(engines, KNOWLEDGE, lambda col: col.query(query_embeddings=vector, n_results=k, where=where)))


def culture_notes(engines: Engines, question: Question, k: int = 3) -> tuple[str, ...]:
    """What the knowledge notes say about the culture themes a behavioral question probes."""
    query = f"{' '.join(t.replace('-', ' ') for t in question.culture)} {question.prompt}"
    hits = search(engines, query, k=k, kinds=["knowledge", "user"])
    return tuple(f"{h.heading} ({h.source}): {clip(h.text, 220)}" for h in hits)


def find_question(engines: Engines, text: str, k: int = 5) -> tuple[str, float]:
    """The rubric question closest to free text; refuses when nothing is close."""
    ensure_built(engines, QUESTIONS)
    vector = embed(engines, [text])
    res = read(engines, QUESTIONS, lambda col: col.query(query_embeddings=vector, n_results=k))
    best: dict[str, float] = {}
    for meta, dist in zip(res["metadatas"][0], res["distances"][0], strict=True):
        qid = meta["heading"]
        best[qid] = max(best.get(qid, -1.0), 1.0 - float(dist))
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < MATCH_THRESHOLD:
        close = ", ".join(f"{q} ({s:.2f})" for q, s in ranked[:3])
        raise UserError(
            f"No rubric question is close to \u201c{text}\u201d. Closest: {close or 'none'}. "
            "Pass a question id (voice-interviewer questions).",
            ExitCode.USAGE,
        )
    return ranked[0]
