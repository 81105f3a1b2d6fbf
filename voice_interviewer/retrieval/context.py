"""Retrieved text as context for others: notes for the follow-up's prompt, culture notes for scoring.

Both are optional extras: when retrieval fails, the caller goes on without them.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_interviewer.engines import Engines
from voice_interviewer.errors import UserError
from voice_interviewer.track.rubric import Question

ContextFn = Callable[[Question, str], tuple[str, ...]]
MAX_QUERY_ANSWER_CHARS = 300  # of the answer, added to the question to form the query


def retrieval_context(engines: Engines, k: int = 3, max_chars: int = 600) -> ContextFn:
    """Rubric, knowledge and user-note chunks for the question's round, as plain data.

    The function raises when retrieval fails (:class:`~voice_interviewer.retrieval.index.RetrievalError`
    for a busy or damaged index); the follow-up then falls back to the rubric.
    """
    from voice_interviewer.retrieval.search import search

    def fn(question: Question, transcript: str) -> tuple[str, ...]:
        round_ = question.id.split("/", 1)[0]
        hits = search(engines, f"{question.prompt} {transcript[:MAX_QUERY_ANSWER_CHARS]}", k=k, round_=round_)
        return tuple(f"[{h.source} / {h.heading}] {h.text[:max_chars]}" for h in hits)

    return fn


def culture_for(engines: Engines, question: Question) -> tuple[str, ...]:
    """Retrieved culture notes for a behavioral question; scoring goes on without them if retrieval fails."""
    if question.kind != "behavioral":
        return ()
    from voice_interviewer.retrieval.search import culture_notes

    try:
        return culture_notes(engines, question)
    except UserError as e:
        engines.notify(f"Culture notes unavailable: {e.message}")
        return ()
