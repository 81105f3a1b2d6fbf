"""What a follow-up asks about: the answer's most important gap and the rubric's probe for it."""

from __future__ import annotations

from voice_interviewer.interviewer.grounded import missed_points
from voice_interviewer.interviewer.prompt import FollowUpContext, next_missed, rubric_probe
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Scorecard


def _context(question: Question, card: Scorecard, asked: tuple[str, ...]) -> FollowUpContext:
    return FollowUpContext(
        question_prompt=question.prompt,
        question_id=question.id,
        transcript=card.transcript.text,
        missed=missed_points(card),
        covered=(),
        retrieved=(),
        asked=asked,
    )


def probe_for(question: Question, card: Scorecard, asked: tuple[str, ...]) -> str:
    """The rubric's probe for the answer's most important missed point not asked yet."""
    return rubric_probe(_context(question, card, asked))


def gap_for(question: Question, card: Scorecard, asked: tuple[str, ...]) -> tuple[str, str] | None:
    """The gap a follow-up to this answer is written for: the most important missed point not asked
    yet (the point the model is told to probe; None when nothing is missed)."""
    return next_missed(_context(question, card, asked))


def first_probe(question: Question, asked: tuple[str, ...]) -> str:
    """The rubric's first probe not asked yet, without scoring the answer (when there is no time to)."""
    missed = tuple((k.text, k.follow_up) for _, k in question.points())
    ctx = FollowUpContext(question.prompt, question.id, "", missed, (), (), asked)
    return rubric_probe(ctx)
