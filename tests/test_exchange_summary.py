"""Whole-exchange credit in the summary, `progress`, export and the report: a question's level counts
the follow-up answers too, and the points that needed a follow-up are marked."""

from __future__ import annotations

import json

from tests.conftest import MakeSession
from tests.fakes import QID, STRONG, VAGUE, ScriptedEngines, ScriptedTranscriber
from voice_interviewer.review.export import export_json, export_md
from voice_interviewer.review.progress import progress
from voice_interviewer.review.records import open_session, select_cards, summary_of
from voice_interviewer.review.report import render_report
from voice_interviewer.review.rescore import RescoreOptions, rescore, results_json
from voice_interviewer.review.runners import InProcess
from voice_interviewer.store.sessions import SessionStore
from voice_interviewer.store.summary import summarize
from voice_interviewer.track.rubric import Track

# a weak first answer, then a follow-up answer that makes the points
WEAK_THEN_STRONG = ((QID, VAGUE), (QID, STRONG))


def test_the_follow_up_answer_lifts_the_question_and_its_points_are_marked_prompted(
    make_session: MakeSession, session_store: SessionStore, track: Track
) -> None:
    s = session_store.load(make_session(answers=WEAK_THEN_STRONG).name)
    first, follow = (t.scorecard for t in s.turns)
    assert first is not None and follow is not None
    q = summarize(s, track).questions[QID]
    assert q.answers == 2 and q.first_level == first.content.level
    assert q.level > first.content.level, "the exchange must count what the follow-up answer said"
    assert q.prompted, "points made only in the follow-up answer are marked as prompted"
    first_covered = {p.text for cr in first.content.criteria for p in cr.covered}
    follow_covered = {p.text for cr in follow.content.criteria for p in cr.covered}
    assert set(q.prompted) <= follow_covered - first_covered
    assert set(q.prompted) <= set(q.covered) and not set(q.prompted) & set(q.missed)
    assert not set(q.covered) & set(q.missed)
    # the first answer's own missed points that the follow-up made are no longer listed as missed
    first_missed = {p.text for cr in first.content.criteria for p in cr.missed}
    assert len(q.missed) < len(first_missed)
    assert summarize(s, track).overall_level == q.level


def test_a_strong_first_answer_has_nothing_prompted(
    make_session: MakeSession, session_store: SessionStore, track: Track
) -> None:
    s = session_store.load(make_session(answers=((QID, STRONG), (QID, VAGUE))).name)
    main = s.turns[0].scorecard
    assert main is not None
    q = summarize(s, track).questions[QID]
    assert q.prompted == ()
    assert q.level >= main.content.level


def test_without_the_track_the_level_is_the_first_answers(
    make_session: MakeSession, session_store: SessionStore
) -> None:
    s = session_store.load(make_session(answers=WEAK_THEN_STRONG).name)
    first = s.turns[0].scorecard
    assert first is not None
    q = summarize(s).questions[QID]
    assert (q.level, q.prompted) == (first.content.level, ())


def test_progress_export_and_report_use_the_exchange(make_session: MakeSession, session_store: SessionStore) -> None:
    folder = make_session(answers=WEAK_THEN_STRONG)
    rec = open_session(session_store, folder.name)
    cards = select_cards(rec)
    assert rec.session is not None
    q = summary_of(rec.session, cards).questions[QID]
    first_level = cards[1].content.level
    assert q.level > first_level and q.prompted

    point = progress([(rec, cards)]).points[0]
    assert point.questions[QID] == (q.level, q.score)
    assert point.prompted[QID] == q.prompted
    assert point.overall_level == q.level

    body = json.loads(export_json(rec, cards))
    saved = body["summary"]["questions"][QID]
    assert saved["level"] == q.level and saved["first_level"] == first_level
    assert saved["prompted"] == list(q.prompted) and saved["answers"] == 2

    md = export_md(rec, cards)
    assert f"| {QID} | {q.level_text} |" in md and f"first answer {first_level}" in q.level_text
    assert all(p in md for p in q.prompted)

    page = render_report(rec, cards)
    assert '<section class="card questions">' in page and f"first answer {first_level}" in page
    assert all(f"↪ {p}" in page for p in q.prompted)


def test_a_rescore_reports_each_questions_exchange_level(
    make_session: MakeSession, session_store: SessionStore, track: Track
) -> None:
    folder = make_session(answers=WEAK_THEN_STRONG)
    rec = open_session(session_store, folder.name)
    assert rec.session is not None
    before = summary_of(rec.session, select_cards(rec)).questions[QID]
    # the re-score hears the vague answer twice: the strong follow-up answer is gone
    engines = ScriptedEngines(ScriptedTranscriber(VAGUE), track)
    [r] = rescore(session_store, [folder.name], InProcess(lambda t: engines), RescoreOptions())
    [change] = r.questions
    assert (change.question_id, change.old_level) == (QID, before.level)
    assert change.new_level < before.level and change.prompted == ()
    after = summary_of(rec.session, select_cards(open_session(session_store, folder.name))).questions[QID]
    assert after.level == change.new_level
    assert json.loads(results_json([r]))[0]["questions"][0]["new_level"] == change.new_level
