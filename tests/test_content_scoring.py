"""Content scoring on one real question, phone-screen/bias-variance, with the real embedder."""

from __future__ import annotations

import pytest

from voice_interviewer.scoring.content import Embedder, score_content
from voice_interviewer.scoring.text import sentences
from voice_interviewer.track.rubric import Question, Track
from voice_interviewer.types import Content, Word

STRONG = (
    "Bias is error from assumptions that are too simple, so the model underfits and misses real structure "
    "even on the training data. Variance is how sensitive the model is to the particular training sample, "
    "so a high variance model overfits the noise and generalizes poorly. As you make the model more complex "
    "you reduce bias but increase variance, so total error is lowest at some middle complexity. In practice "
    "I compare training and validation error: a big gap between them means variance, and both being high "
    "means bias. To fix variance I would add regularization or early stopping, and to fix bias I would add "
    "richer features or a more expressive model."
)
VAGUE = (
    "So bias and variance are two kinds of error and there is a trade-off between them. If the model is "
    "too simple it kind of underfits, and you can use regularization to help with things. You want a good "
    "balance, so you try a few models and pick the one that works best on your data."
)
WRONG = (
    "Bias is when the data is unfair to some group of users, and variance is just the spread of the data. "
    "If the model is bad you collect more data, because more data always fixes the bias. Lower training "
    "error is always better, so I would keep training for as long as possible."
)
MISCONCEPTION = "If a model has high bias, more data fixes the bias, so I would collect more of it."
NEGATED = (
    "A common mistake is thinking more data fixes bias; a high bias model is too simple to use it, "
    "so I would add features instead."
)
BUZZWORDS = (
    "Bias variance trade-off. Overfitting, underfitting, regularization, cross-validation, ensembles, "
    "early stopping, learning curves, dropout, bagging, boosting, feature engineering, capacity, "
    "generalization, noise, holdout sets."
)
READ_BACK = (
    "Explain the bias-variance trade-off. How does it show up when you train a real model? So the "
    "question is what the difference between bias and variance is, and how do you know whether a model "
    "is overfitting or underfitting."
)


@pytest.fixture(scope="module")
def question(track: Track) -> Question:
    q, _ = track.question("phone-screen/bias-variance")
    return q


@pytest.fixture(scope="module")
def score(question: Question, embedder: Embedder):
    def run(text: str, words: tuple[Word, ...] = ()) -> Content:
        return score_content(question, text, words, embedder)

    return run


def covered_ids(c: Content) -> set[str]:
    return {p.id for crit in c.criteria for p in crit.covered}


def test_strong_beats_vague_beats_wrong(score) -> None:
    strong, vague, wrong = score(STRONG), score(VAGUE), score(WRONG)
    assert strong.score >= 80 and strong.level >= 3, strong
    assert strong.score - vague.score >= 30, (strong.score, vague.score)
    assert vague.score > wrong.score, (vague.score, wrong.score)
    assert strong.level > vague.level >= wrong.level
    assert covered_ids(strong) >= {"bias", "variance", "tradeoff", "train-val-gap", "fix-variance", "fix-bias"}
    assert strong.red_flags == ()
    assert strong.recommendation in ("lean hire", "strong hire")
    assert wrong.recommendation in ("strong no hire", "lean no hire")


def test_a_red_flag_lowers_the_score_is_named_and_caps_the_level(score) -> None:
    clean = score(STRONG)
    flagged = score(STRONG + " " + MISCONCEPTION)
    assert [f.id for f in flagged.red_flags] == ["data-fixes-bias"]
    hit = flagged.red_flags[0]
    assert hit.sentence == MISCONCEPTION
    assert "more data" in hit.text.lower()
    assert flagged.score < clean.score
    assert clean.level >= 3
    assert flagged.level <= 2
    assert any("misconception" in n for n in flagged.notes)


def test_wrong_answer_names_both_misconceptions(score) -> None:
    wrong = score(WRONG)
    assert {f.id for f in wrong.red_flags} == {"data-fixes-bias", "variance-is-good"}
    assert wrong.level <= 2


def test_a_negated_misconception_is_not_flagged(score) -> None:
    c = score(STRONG + " " + NEGATED)
    assert c.red_flags == ()
    # not penalized; it may add a little, since the negated myth is itself a sentence that reasons
    assert c.score >= score(STRONG).score - 1.0
    assert c.level >= 3


def test_evidence_quotes_the_matched_transcript_words(score) -> None:
    c = score(STRONG)
    sents = sentences(STRONG)
    points = {p.id: p for crit in c.criteria for p in crit.covered}
    variance = points["variance"].evidence[0]
    assert variance.sentence in sents
    assert variance.how == "phrase"
    assert variance.matched == ("overfits",)  # the word as spoken, not its stem
    gap = points["train-val-gap"].evidence[0]
    assert gap.matched == ("training", "validation", "error")
    assert gap.sentence.startswith("In practice I compare training and validation error")
    for p in points.values():
        for ev in p.evidence:
            assert ev.sentence in sents
            low = ev.sentence.lower()
            assert all(m.lower() in low for m in ev.matched), (p.id, ev)


def test_missed_points_carry_the_follow_up(score, question: Question) -> None:
    c = score(VAGUE)
    missed = {p.id: p for crit in c.criteria for p in crit.missed}
    assert "train-val-gap" in missed
    follow_ups = {k.id: k.follow_up for _, k in question.points()}
    assert missed["train-val-gap"].follow_up == follow_ups["train-val-gap"]
    assert all(p.credit == 0 and p.evidence == () for p in missed.values())


def test_evidence_has_the_time_of_its_sentence(score) -> None:
    text = (
        "We had a state-of-the-art model with 95% recall on the holdout set last year. "
        "Then the model overfits the training data badly, because it memorizes the noise."
    )
    # Whisper splits "state-of-the-art" and "95%" into several timed words
    spoken = ["We", "had", "a", "state", "-of", "-the", "-art", "model", "with", "95", "%", "recall", "on", "the"]
    spoken += ["holdout", "set", "last", "year.", "Then", "the", "model", "overfits", "the", "training", "data"]
    spoken += ["badly,", "because", "it", "memorizes", "the", "noise."]
    words = tuple(Word(word=w, start=float(i), end=i + 0.5) for i, w in enumerate(spoken))
    c = score(text, words)
    ev = next(p.evidence[0] for crit in c.criteria for p in crit.covered if p.id == "variance")
    assert ev.sentence.startswith("Then the model overfits")
    assert ev.start == float(spoken.index("Then"))


def test_a_buzzword_list_scores_low(score) -> None:
    c = score(BUZZWORDS)
    assert c.score < 25, c
    assert c.level == 1
    assert all(p.credit <= 0.5 for crit in c.criteria for p in crit.covered)


def test_reading_the_question_back_scores_about_zero(score) -> None:
    c = score(READ_BACK)
    assert c.score <= 5, c
    assert c.level == 1


def test_too_short_answer_is_level_1(score) -> None:
    short = "High bias underfits from simple assumptions, and high variance overfits noise, so regularize."
    assert len(short.split()) < 15
    c = score(short)
    assert c.level == 1
    assert c.score > 0  # it did say something right...
    assert any("Too short" in n for n in c.notes)  # ...but too little to judge


def test_empty_answer(score) -> None:
    c = score("")
    assert c.score == 0 and c.level == 1


def test_scores_are_deterministic(score, question: Question, embedder: Embedder) -> None:
    for text in (STRONG, VAGUE, WRONG):
        a = score(text)
        b = score_content(question, text, (), embedder)
        assert a == b
        assert a.model_dump_json() == b.model_dump_json()


def test_score_is_in_range_and_level_matches(score) -> None:
    names: dict[int, set[str]] = {}
    for text in (STRONG, VAGUE, WRONG, BUZZWORDS, READ_BACK):
        c = score(text)
        assert 0 <= c.score <= 100
        assert 1 <= c.level <= 4
        names.setdefault(c.level, set()).add(c.level_name)
        for crit in c.criteria:
            assert 0 <= crit.coverage <= 1
            assert 1 <= crit.level <= 4
    # One name per level, and the names read in the order of the levels (the rubric's scale).
    scale = ("poor", "mixed", "good", "excellent")
    assert all(len(v) == 1 for v in names.values()) and len(names) >= 2
    ranks = [scale.index(next(iter(names[level]))) for level in sorted(names)]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


def test_a_sentence_that_states_a_red_flag_earns_no_credit() -> None:
    from tests.conftest import make_question

    q = make_question(["constant time"], red_flags=["middle ... array ... constant time"])
    flagged = score_content(q, "Removing from the middle of the array takes constant time, so it is fast.")
    assert flagged.red_flags and not flagged.criteria[0].covered
    clean = score_content(q, "A hash map lookup takes constant time because it jumps straight to the bucket.")
    assert not clean.red_flags and clean.criteria[0].covered


def test_contractions_do_not_make_a_sentence_look_like_a_list() -> None:
    from tests.conftest import make_question

    q = make_question(["class weight*"])
    c = score_content(q, "I'd use class weights, tune the threshold, and recalibrate after downsampling.")
    assert c.criteria[0].covered[0].credit > 0.25
