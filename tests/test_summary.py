"""The session summary: one typed value, and the JSON layout ``session.json`` and exports keep."""

from __future__ import annotations

import pytest

from tests.conftest import MakeSession
from tests.fakes import FOLLOW, QID, STRONG, VAGUE
from voice_interviewer.store.sessions import Session, SessionStore
from voice_interviewer.store.summary import SessionSummary, summarize


def test_a_session_without_scorecards_has_an_empty_summary() -> None:
    s = Session(id="20261101-100000-phone-screen", created="", track="netflix-mle", round="phone-screen", mode="text")
    summary = summarize(s)
    assert summary == SessionSummary(answers=0)
    assert summary.overall_level is None and summary.work_on == ()
    assert summary.as_dict() == {"answers": 0}


def test_main_answers_make_the_level_and_every_spoken_answer_the_delivery(
    make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session(answers=((QID, STRONG), (QID, FOLLOW)))
    s = session_store.load(folder.name)
    main, follow = (t.scorecard for t in s.turns)
    assert main is not None and follow is not None
    summary = summarize(s)
    assert summary.answers == 2
    assert list(summary.questions) == [QID]  # the follow-up is not a question of its own
    q = summary.questions[QID]
    assert (q.level, q.score) == (main.content.level, main.content.score)  # without the track: the first answer
    assert q.missed == tuple(p.text for cr in main.content.criteria for p in cr.missed)
    assert summary.overall_level == main.content.level
    words = main.delivery.words + follow.delivery.words  # the pace over all the speaking time, not a mean of two
    minutes = (main.delivery.speaking_s + follow.delivery.speaking_s) / 60
    assert main.delivery.speaking_s != follow.delivery.speaking_s
    assert summary.words_per_minute == pytest.approx(words / minutes, abs=0.6)
    assert summary.long_pauses == len(main.delivery.long_pauses) + len(follow.delivery.long_pauses)


def test_weak_criteria_come_first_in_what_to_work_on(make_session: MakeSession, session_store: SessionStore) -> None:
    folder = make_session(answers=((QID, VAGUE),))
    s = session_store.load(folder.name)
    card = s.turns[0].scorecard
    assert card is not None
    weak = [cr.name for cr in card.content.criteria if cr.level <= 2]
    assert weak, "the vague answer should leave a criterion weak"
    summary = summarize(s)
    assert 1 <= len(summary.work_on) <= 2
    assert summary.work_on[0] == f"{weak[0]} (weak in 1 question)"


def test_the_json_layout_is_the_one_session_json_keeps(make_session: MakeSession, session_store: SessionStore) -> None:
    folder = make_session(answers=((QID, VAGUE), ("phone-screen/precision-recall", STRONG)))
    summary = summarize(session_store.load(folder.name))
    d = summary.as_dict()
    assert list(d) == [
        "answers",
        "questions",
        "overall_level",
        "words_per_minute",
        "fillers_per_minute",
        "long_pauses",
        "work_on",
    ]
    assert set(d["questions"]) == {QID, "phone-screen/precision-recall"}
    q = summary.questions[QID]
    assert d["questions"][QID] == {
        "level": q.level,
        "score": q.score,
        "missed": list(q.missed),
        "first_level": q.first_level,
        "answers": 1,
        "covered": list(q.covered),
        "prompted": [],
    }
    assert d["work_on"] == list(summary.work_on) and d["overall_level"] == summary.overall_level
