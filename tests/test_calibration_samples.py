"""Calibration check: the scorer ranks the project's own sample answers as an interviewer would.

The samples were written together with the rubric phrasings, so passing here shows the rubric
and the scorer agree with their authors; it says nothing about answers in other words (that is
what the development set and benchmarks/bench_validity_loqo.py measure).
"""

from __future__ import annotations

import pytest

from tests.conftest import load_samples
from voice_interviewer.scoring.content import score_content
from voice_interviewer.track.rubric import Track

SAMPLES = load_samples()
MARGIN = 15.0  # points between a strong and a vague answer, and a vague and a wrong one
# Behavioral stories: the fitted score puts a story with a named system, first-person actions
# and a number close to the strong one even when it owns nothing; the order must still hold.
STORY_MARGIN = 2.0


def _score(question, text: str, embedder) -> float:
    return score_content(question, text, embedder=embedder).score


def test_every_question_has_samples(track: Track) -> None:
    have = {q for q, _ in SAMPLES}
    missing = sorted(set(track.questions) - have)
    assert not missing, f"questions without sample answers: {missing}"


@pytest.mark.parametrize(("qid", "answers"), SAMPLES, ids=[q for q, _ in SAMPLES])
def test_samples_rank_in_order(track: Track, embedder, qid: str, answers: dict[str, str]) -> None:
    question, _ = track.question(qid)
    scores = {k: _score(question, v, embedder) for k, v in answers.items()}
    assert "strong" in scores
    assert scores["strong"] >= 60, scores
    weaker = [k for k in scores if k != "strong"]
    assert weaker, "each question needs at least one weak answer"
    margin = STORY_MARGIN if question.kind == "behavioral" else MARGIN
    for k in weaker:
        assert scores["strong"] - scores[k] >= margin, (k, scores)
    if "vague" in scores and "wrong" in scores:
        assert scores["vague"] - scores["wrong"] >= MARGIN / 3, scores
    if "padded" in scores:
        assert scores["padded"] < 40, scores
