"""The grounded follow-up a session asks for: retrieval or model failures fall back and are told once."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from tests.chat_fakes import FailingChatModel
from voice_interviewer.api import typed_transcript
from voice_interviewer.interviewer.followup import Interviewer
from voice_interviewer.interviewer.grounded import GroundedFollowUps, missed_points
from voice_interviewer.retrieval.index import RetrievalError
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.track.rubric import Question, Track
from voice_interviewer.types import ModelsUsed, Scorecard

QID = "phone-screen/calibration"
ANSWER = "Calibration means the predicted probabilities match how often things happen. I would plot it."


def scored(track: Track, text: str = ANSWER) -> tuple[Question, Scorecard]:
    q, r = track.question(QID)
    models = ModelsUsed(rubric_version=r.round.version, rubric_sha256=r.sha256)
    return q, score_answer(q, r, typed_transcript(text), None, models)


def broken_retrieval(question: Question, transcript: str) -> tuple[str, ...]:
    raise RetrievalError("The knowledge index could not be read (InternalError: Error finding id).")


def test_a_retrieval_failure_gives_the_rubric_probe_and_is_told_once(track: Track) -> None:
    q, card = scored(track)
    told: list[str] = []
    model = GenericFakeChatModel(messages=iter([AIMessage("How would you check calibration on held-out members?")]))
    follow = GroundedFollowUps(Interviewer(model, "fake"), broken_retrieval, told.append)
    first = follow.next_line(q, card, (q.prompt,))
    second = follow.next_line(q, card, (q.prompt, first.text))
    probes = [p for _, p in missed_points(card)]
    assert (first.source, second.source) == ("rubric", "rubric")
    assert first.text == probes[0] and second.text == probes[1]  # the probes, in order, never repeated
    assert first.reason is not None and first.reason.startswith("retrieval failed")
    assert "Error finding id" in first.reason
    assert len(told) == 1 and "rubric's own probe" in told[0]
    pending = follow.prepare(q, card, (q.prompt,))  # the turn-taking path falls back the same way
    assert pending.result(0.0).text == probes[0]
    assert len(told) == 1


def test_an_unreachable_model_is_told_once(track: Track) -> None:
    q, card = scored(track)
    told: list[str] = []
    interviewer = Interviewer(FailingChatModel(responses=["x"]), "ollama:qwen2.5", notify=told.append)
    follow = GroundedFollowUps(interviewer, None, told.append)
    lines = [follow.next_line(q, card, (q.prompt,)) for _ in range(3)]
    assert all(f.source == "rubric" and f.reason and "ConnectionError" in f.reason for f in lines)
    assert len(told) == 1
    assert "ollama:qwen2.5" in told[0] and "Follow-ups come from the rubric" in told[0]
    assert "sk-abcdef" not in told[0]


def test_a_working_model_is_not_reported(track: Track) -> None:
    q, card = scored(track)
    told: list[str] = []
    good = "If your model says 0.2 for ten thousand members, how many of them should churn?"
    model = GenericFakeChatModel(messages=iter([AIMessage(good)]))
    notes = lambda question, transcript: ("Calibration: reliability diagrams, Brier score.",)  # noqa: E731
    out = GroundedFollowUps(Interviewer(model, "fake"), notes, told.append).next_line(q, card, (q.prompt,))
    assert (out.source, out.text, told) == ("llm", good, [])
