"""Reasoning, breadth and development are counted on the key points: sentences that explain the
topic and carry a point, not names; the fitted model rewards them and raises an answer explained at
length by its thresholds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.fakes import CLAIM
from voice_interviewer.scoring import fit as fitting
from voice_interviewer.scoring.content import analyse, content_from
from voice_interviewer.scoring.model import Features, fitted_model, model_from_json
from voice_interviewer.track.rubric import Track

EXPLAINED = (
    "A model that underfits is too rigid, so it misses real structure even on its own training data. "
    "A model that overfits chases noise in its sample, which is why it falls apart on new data. "
    "Because regularization limits how far the weights can stretch, it trades a little fit for stability."
)
NAMED = "Bias. Variance. Underfitting and overfitting. A trade-off between the two."


def test_reasoning_counts_sentences_that_explain_the_topic(track: Track) -> None:
    q, _ = track.question("phone-screen/bias-variance")
    explained = analyse(q, EXPLAINED).features.reasoning
    assert explained == pytest.approx(3 / 6, abs=1e-3)  # three explaining sentences of a full answer's six
    assert analyse(q, NAMED).features.reasoning == 0.0  # names explain nothing
    # explaining something off the topic is not reasoning about it
    off = "I like hiking because the air is fresh, so I go every weekend when it is sunny."
    assert analyse(q, EXPLAINED + " " + off).features.reasoning == explained
    # a claim about the answer explains nothing either, however it is worded
    assert analyse(q, EXPLAINED + CLAIM).features.reasoning == explained


def test_reasoning_needs_sentences_that_carry_a_point(track: Track) -> None:
    q, _ = track.question("phone-screen/bias-variance")
    # on the topic and full of "because", but no key point is carried: it reasons about nothing asked
    vague = (
        "Bias and variance matter because every model has some of each, so you always have to think about them. "
        "It depends on the data, which is why there is no single answer."
    )
    a = analyse(q, vague)
    assert a.features.breadth == 0.0 and a.features.reasoning == 0.0


def test_reasoning_is_bounded_by_the_sentences_that_carry_points(track: Track) -> None:
    q, _ = track.question("phone-screen/bias-variance")
    # twelve explaining sentences, but the same three points: each point's evidence is one sentence
    f = analyse(q, " ".join([EXPLAINED] * 4)).features
    assert f.breadth == pytest.approx(3 / 6, abs=1e-3)
    assert f.reasoning == f.breadth


def test_breadth_counts_the_sentences_that_carry_points(track: Track) -> None:
    q, _ = track.question("phone-screen/bias-variance")
    two = (
        "A model that underfits misses structure, so it is wrong even in training. "
        "A model that overfits memorizes noise, so it fails on new data."
    )
    assert analyse(q, two).features.breadth == pytest.approx(2 / 6, abs=1e-3)
    # one sentence that touches both points is one sentence
    one = "A model underfits when it is too simple and overfits when it memorizes noise, so it depends."
    assert analyse(q, one).features.breadth == pytest.approx(1 / 6, abs=1e-3)
    assert analyse(q, NAMED).features.breadth == 0.0


def test_the_shipped_model_rewards_reasoning_and_breadth() -> None:
    model = fitted_model()
    base = Features(0.5, 0.5, 0.0, 0.5)
    tech, beh = model.for_kind("technical"), model.for_kind("behavioral")
    assert tech.z(replace(base, reasoning=1.0)) >= tech.z(base)
    for m in (tech, beh):
        assert m.z(replace(base, breadth=1.0)) >= m.z(base)
    # the fit keeps every weight's meaning: evidence never lowers the grade
    for kind in ("technical", "behavioral"):
        w = model.for_kind(kind).weights
        assert all(w[f] * fitting.SIGNS[f] >= 0 for f in fitting.KIND_FEATURES[kind])


def test_an_answer_explained_at_length_is_one_level_higher_by_the_fitted_thresholds(track: Track) -> None:
    q, _ = track.question("phone-screen/bias-variance")
    a = analyse(q, EXPLAINED)
    assert a.developed == len(EXPLAINED.split())  # every sentence is on the key points
    assert analyse(q, NAMED).developed == 0  # names are no development
    shipped = fitted_model().technical.develop_words
    assert set(shipped) <= {2, 3} and all(t > 0 for t in shipped.values())
    assert not fitted_model().behavioral.develop_words  # stories are judged by their parts
    # z = 0 lies between the third and the fourth cut: level 3 by the score, 4 once explained enough
    params: dict[str, Any] = {
        "technical": {"intercept": 0, "weights": {}, "cuts": [-2, -1, 1], "develop_words": {"3": a.developed}},
        "behavioral": {"intercept": 0, "weights": {}, "cuts": [1, 2, 3]},
    }
    raised = content_from(q, a, model_from_json(params))
    assert raised.level == 4 and raised.score == 75.0  # the score starts where level 4 does
    kept = content_from(q, replace(a, developed=a.developed - 1), model_from_json(params))
    assert kept.level == 3 and 50.0 <= kept.score < 75.0
    # a threshold for level 2 does not apply to an answer the score puts at level 3
    params["technical"]["develop_words"] = {"2": 1}
    assert content_from(q, a, model_from_json(params)).level == 3
