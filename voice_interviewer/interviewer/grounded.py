"""Follow-ups grounded in what the answer missed and in retrieved rubric and culture context.

This is what a session talks to: it turns a scored answer into the interviewer's context, adds the
retrieved notes, and asks the :class:`~voice_interviewer.interviewer.followup.Interviewer`. When
retrieval fails (a busy or damaged index, another process writing to it) the follow-up is the
rubric's probe, and the user is told once per session (the Interviewer tells when its model stops answering).
"""

from __future__ import annotations

from collections.abc import Callable

from voice_interviewer.interviewer.chat import describe_error
from voice_interviewer.interviewer.followup import FollowUp, FollowUpContext, Interviewer, PendingFollowUp
from voice_interviewer.retrieval.context import ContextFn
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Scorecard

WARM_UP_ANSWER = "I would start with a simple baseline and measure it."


def missed_points(card: Scorecard) -> tuple[tuple[str, str], ...]:
    """(key point, rubric probe) pairs, weakest criterion first."""
    crits = sorted(card.content.criteria, key=lambda c: (c.coverage, -c.weight))
    return tuple((p.text, p.follow_up) for c in crits for p in c.missed)


def follow_up_context(
    question: Question, card: Scorecard, asked: tuple[str, ...], retrieved: tuple[str, ...] = ()
) -> FollowUpContext:
    """What the interviewer knows after a scored answer."""
    return FollowUpContext(
        question_prompt=question.prompt,
        question_id=question.id,
        transcript=card.transcript.text,
        missed=missed_points(card),
        covered=tuple(p.text for c in card.content.criteria for p in c.covered),
        retrieved=retrieved,
        asked=asked,
    )


class GroundedFollowUps:
    def __init__(
        self,
        interviewer: Interviewer,
        context: ContextFn | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.interviewer = interviewer
        self.context = context
        self.notify = notify
        self.name = interviewer.name
        self._told: set[str] = set()

    def _tell_once(self, key: str, message: str) -> None:
        if key not in self._told and self.notify is not None:
            self._told.add(key)
            self.notify(message)

    def warm_up(self, question: Question) -> None:
        self.interviewer.warm_up(
            FollowUpContext(
                question_prompt=question.prompt,
                question_id=question.id,
                transcript=WARM_UP_ANSWER,
                missed=tuple((k.text, k.follow_up) for _, k in question.points()[:1]),
                covered=(),
                retrieved=(),
                asked=(question.prompt,),
            )
        )

    def prepare(self, question: Question, card: Scorecard, asked: tuple[str, ...]) -> PendingFollowUp:
        """Start the follow-up to a (possibly not yet final) scored answer in the background.

        Retrieval runs on the caller's thread (tens of milliseconds); the model in the background.
        Call ``.result(budget_s)`` on the handle when the turn ends, or ``.cancel()`` when the
        candidate goes on.
        """
        retrieved, failed = self._retrieve(question, card)
        if failed:
            return PendingFollowUp(follow_up_context(question, card, asked), None, failed)
        return self.interviewer.prepare(follow_up_context(question, card, asked, retrieved))

    def next_line(self, question: Question, card: Scorecard, asked: tuple[str, ...]) -> FollowUp:
        retrieved, failed = self._retrieve(question, card)
        if failed:
            return PendingFollowUp(follow_up_context(question, card, asked), None, failed).result(0.0)
        return self.interviewer.follow_up(follow_up_context(question, card, asked, retrieved))

    def _retrieve(self, question: Question, card: Scorecard) -> tuple[tuple[str, ...], str | None]:
        """(retrieved notes, None), or ((), why) when retrieval failed: the follow-up is then the rubric's probe."""
        try:
            return (self.context(question, card.transcript.text) if self.context else ()), None
        except Exception as e:  # noqa: BLE001 (retrieval is optional: any failure falls back to the rubric)
            self._tell_once(
                "retrieval",
                f"Retrieval failed ({describe_error(e)}); this follow-up is the rubric's own probe.",
            )
            return (), f"retrieval failed ({describe_error(e)})"
