"""Follow-ups grounded in what the answer missed and in retrieved rubric and culture context."""

from __future__ import annotations

from collections.abc import Callable

from voice_interviewer.interviewer.followup import FollowUp, FollowUpContext, Interviewer
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Scorecard

ContextFn = Callable[[Question, str], tuple[str, ...]]


def missed_points(card: Scorecard) -> tuple[tuple[str, str], ...]:
    """(key point, rubric probe) pairs, weakest criterion first."""
    crits = sorted(card.content.criteria, key=lambda c: (c.coverage, -c.weight))
    return tuple((p.text, p.follow_up) for c in crits for p in c.missed)


class GroundedFollowUps:
    def __init__(self, interviewer: Interviewer, context: ContextFn | None = None) -> None:
        self.interviewer = interviewer
        self.context = context
        self.name = interviewer.name

    def warm_up(self, question: Question) -> None:
        self.interviewer.warm_up(
            FollowUpContext(
                question_prompt=question.prompt,
                question_id=question.id,
                transcript="I would start with a simple baseline and measure it.",
                missed=tuple((k.text, k.follow_up) for _, k in question.points()[:1]),
                covered=(),
                retrieved=(),
                asked=(question.prompt,),
            )
        )

    def next_line(self, question: Question, card: Scorecard, asked: tuple[str, ...]) -> FollowUp:
        retrieved = self.context(question, card.transcript.text) if self.context else ()
        ctx = FollowUpContext(
            question_prompt=question.prompt,
            question_id=question.id,
            transcript=card.transcript.text,
            missed=missed_points(card),
            covered=tuple(p.text for c in card.content.criteria for p in c.covered),
            retrieved=retrieved,
            asked=asked,
        )
        return self.interviewer.follow_up(ctx)


def retrieval_context(engines: object, k: int = 3, max_chars: int = 600) -> ContextFn:
    """Rubric, knowledge and user-note chunks for the question's round, as plain data."""
    from voice_interviewer.engines import Engines
    from voice_interviewer.retrieval.index import search

    assert isinstance(engines, Engines)

    def fn(question: Question, transcript: str) -> tuple[str, ...]:
        round_ = question.id.split("/", 1)[0]
        hits = search(engines, f"{question.prompt} {transcript[:300]}", k=k, round_=round_)
        return tuple(f"[{h.source} / {h.heading}] {h.text[:max_chars]}" for h in hits)

    return fn
