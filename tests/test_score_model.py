"""The score model: the shipped parameters, the ordinal fit, the explained-at-length thresholds and
leave-one-question-out cross-validation."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from tests.conftest import make_question
from voice_interviewer.scoring import fit as fitting
from voice_interviewer.scoring.content import Analysis
from voice_interviewer.scoring.model import EMPTY, PARAMS_FILE, Features, fitted_model, model_from_json
from voice_interviewer.scoring.validity import GradedAnswer, pairs_right, spearman
from voice_interviewer.track.rubric import Question


def test_the_shipped_parameters_load_and_rank_evidence_above_none() -> None:
    model = model_from_json(json.loads(PARAMS_FILE.read_text()))
    assert model == fitted_model()
    for kind in ("technical", "behavioral"):
        m = model.for_kind(kind)
        # behavioral evidence reaches the score through the story feature (coverage plus signals)
        none, some, full = (Features(x, x, 0, x if kind == "behavioral" else 0) for x in (0.0, 0.5, 1.0))
        assert m.score(m.z(none)) <= m.score(m.z(some)) < m.score(m.z(full)) <= 100
        assert m.score(m.z(EMPTY)) == 0
        assert m.score(m.z(replace(full, misconception=1))) < m.score(m.z(full))  # a misconception costs
        assert [m.score(c) for c in m.cuts] == pytest.approx([25.0, 50.0, 75.0], abs=0.01)


def _example(q: Question, qid: str, grade: int, phrase: float, rng: np.random.Generator) -> fitting.Example:
    f = Features(phrase, float(np.clip(phrase + rng.normal(0, 0.1), 0, 1)), 0.0)
    a = Analysis(criteria=(), red_flags=(), features=f, words=100)
    return fitting.Example(GradedAnswer(qid, f"{qid}-{grade}-{phrase}", grade, "", ""), q, a)


def test_the_fit_recovers_a_monotone_model_and_cross_validates_by_question() -> None:
    rng = np.random.default_rng(0)
    q = make_question(["overfit*"])
    examples = [
        _example(q, f"phone-screen/q{n}", g, float(np.clip((g - 1) / 3 + rng.normal(0, 0.08), 0, 1)), rng)
        for n in range(6)
        for g in (1, 2, 3, 4, 1, 2, 3, 4)
    ]
    model = fitting.fit(examples).technical
    assert model.weights["phrase"] + model.weights["meaning"] > 0
    scores, levels = fitting.leave_one_question_out(examples)
    grades = [e.item.grade for e in examples]
    assert spearman(scores, grades) > 0.8
    assert pairs_right([e.item for e in examples], scores) > 0.9
    assert sum(lv == g for lv, g in zip(levels, grades, strict=True)) / len(grades) > 0.6


def test_the_develop_threshold_is_the_lowest_that_puts_most_at_their_grade() -> None:
    developed = [60, 90, 120, 160, 170, 200, 10]
    levels = [3, 3, 3, 3, 4, 3, 2]
    grades = [3, 3, 3, 4, 4, 4, 2]
    assert fitting.develop_threshold(developed, levels, grades, 3) == 160.0
    # no threshold when raising never helps
    assert fitting.develop_threshold(developed, levels, [3, 3, 3, 3, 4, 3, 2], 3) is None
    # the mixed/good border looks only at answers at level 2 or 3
    assert fitting.develop_threshold([50, 90, 95, 40], [2, 2, 3, 1], [2, 3, 3, 1], 2) == 90.0


def test_validity_figures() -> None:
    items = [GradedAnswer("r/q", str(i), g, "", "") for i, g in enumerate([1, 2, 3, 4])]
    assert spearman([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert spearman([4, 3, 2, 1], [1, 2, 3, 4]) == pytest.approx(-1.0)
    assert pairs_right(items, [10, 20, 30, 40]) == 1.0
    assert pairs_right(items, [10, 10, 10, 10]) == 0.5  # ties count half
    assert pairs_right(items, [40, 30, 20, 10]) == 0.0


def test_the_ordinal_fit_recovers_the_weights_and_cuts_it_was_drawn_from() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (600, 2))
    w, cuts = np.array([6.0, -3.0]), np.array([0.5, 2.0, 3.5])
    # grades drawn from P(grade <= j) = sigmoid(cut_j - z)
    z = x @ w + rng.logistic(0, 1, 600)
    y = 1 + np.searchsorted(cuts, z)
    got_w, got_cuts = fitting.ordinal_fit(x, y, ridge=0.0)
    assert got_w == pytest.approx(w, abs=0.8) and got_cuts == pytest.approx(cuts, abs=0.5)
    assert got_cuts[0] < got_cuts[1] < got_cuts[2]
    again = fitting.ordinal_fit(x, y, ridge=0.0)
    assert np.array_equal(again[0], got_w) and again[1] == got_cuts  # the same fit every time


def test_the_ordinal_fit_keeps_the_cuts_in_order_when_a_grade_is_missing() -> None:
    x = np.array([[0.0], [0.1], [0.8], [0.9], [1.0]])
    y = np.array([1, 1, 3, 3, 4])  # no 2
    w, cuts = fitting.ordinal_fit(x, y)
    assert w[0] > 0 and cuts[0] <= cuts[1] <= cuts[2]
