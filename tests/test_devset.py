"""The development set parses and meets its minimums; the validity metrics compute what they claim."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from voice_interviewer.errors import UserError
from voice_interviewer.scoring.devset import (
    GRADES,
    ROUND_MIN_WORDS,
    STYLES,
    DevSet,
    Row,
    average_ranks,
    load_devset,
    metrics,
    pairs_ordered,
    spearman,
    summarize,
)
from voice_interviewer.track.rubric import Track


@pytest.fixture(scope="module")
def devset() -> DevSet:
    return load_devset()


def test_every_question_is_a_rubric_question_of_its_round(devset: DevSet, track: Track) -> None:
    for q in devset.questions:
        _, loaded = track.question(q.id)
        assert loaded.round.round == q.round


def test_counts_meet_the_minimums(devset: DevSet, track: Track) -> None:
    assert len(devset.questions) >= 18
    per_round = Counter(q.round for q in devset.questions)
    assert set(per_round) == set(track.rounds)  # every round of the track
    assert min(per_round.values()) >= 3
    for q in devset.questions:
        assert len(q.answers) >= 9, q.id
        assert {a.grade for a in q.answers} == set(GRADES), q.id
    grades = Counter(a.grade for _, a in devset.items())
    assert min(grades.values()) >= 0.15 * sum(grades.values())  # spread over the four levels


def test_every_style_is_used_and_answers_are_realistic_lengths(devset: DevSet) -> None:
    styles = Counter(a.style for _, a in devset.items())
    assert set(styles) == set(STYLES)
    for q, a in devset.items():
        assert a.words >= ROUND_MIN_WORDS.get(q.round, 1), (q.id, a.id, a.words)
        assert a.words <= 400, (q.id, a.id, a.words)


def test_the_held_out_set_asks_only_questions_the_development_set_leaves_out(devset: DevSet, track: Track) -> None:
    held = load_devset(Path(__file__).parents[1] / "benchmarks" / "held_out" / devset.track)
    assert not {q.id for q in held.questions} & {q.id for q in devset.questions}
    for q in held.questions:
        _, loaded = track.question(q.id)
        assert loaded.round.round == q.round
        assert {a.grade for a in q.answers} == set(GRADES), q.id
        assert {a.style for a in q.answers} <= set(STYLES), q.id


def test_a_bad_grade_names_the_file_and_the_answer(tmp_path: Path) -> None:
    f = tmp_path / "phone-screen.yaml"
    f.write_text(
        "- question: phone-screen/bias-variance\n"
        "  answers:\n"
        "  - {id: a, grade: 5, style: concise-correct, why: x, text: some words}\n"
    )
    with pytest.raises(UserError) as e:
        load_devset(tmp_path)
    assert "phone-screen.yaml" in e.value.message and "answer 1" in e.value.message and "grade" in e.value.message


def test_a_question_from_another_round_is_refused(tmp_path: Path) -> None:
    (tmp_path / "behavioral.yaml").write_text(
        "- question: phone-screen/bias-variance\n"
        "  answers:\n"
        "  - {id: a, grade: 2, style: rambling, why: x, text: some words}\n"
    )
    with pytest.raises(UserError, match="round 'behavioral'"):
        load_devset(tmp_path)


def test_average_ranks_share_ties() -> None:
    assert average_ranks([10, 20, 20, 5]).tolist() == [2.0, 3.5, 3.5, 1.0]


def test_spearman_matches_the_textbook_values() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # with ties: Pearson of the average ranks [1, 2.5, 2.5, 4] and [1, 2, 3, 4]
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / math.sqrt(4.5 * 5.0))
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def _row(q: str, grade: int, score: float, level: int = 1, rnd: str = "r1") -> Row:
    return Row(question=q, round=rnd, grade=grade, score=score, level=level)


def test_pairs_only_within_a_question_and_ties_count_half() -> None:
    rows = [
        _row("a", 1, 10.0),
        _row("a", 2, 10.0),  # tie with the grade-1 answer: half
        _row("a", 3, 50.0),  # above both: two right
        _row("a", 3, 5.0),  # below both: two wrong; same grade as the other 3: not a pair
        _row("b", 4, 0.0),  # alone in its question: no pairs, though its score is lowest overall
    ]
    share, n = pairs_ordered(rows)
    assert n == 5
    assert share == pytest.approx(2.5 / 5)


def test_summary_overall_and_per_round() -> None:
    rows = [
        _row("a", 1, 0.0, 1, "r1"),
        _row("a", 4, 90.0, 4, "r1"),
        _row("b", 2, 30.0, 3, "r2"),
        _row("b", 3, 20.0, 3, "r2"),
    ]
    s = summarize(rows)
    assert set(s) == {"all", "r1", "r2"}
    assert s["r1"].pairs == 1.0 and s["r2"].pairs == 0.0
    assert s["all"].level_agreement == pytest.approx(3 / 4)
    assert s["all"].n == 4 and s["all"].n_pairs == 2
    assert metrics(rows).as_dict()["spearman"] == pytest.approx(0.8)
