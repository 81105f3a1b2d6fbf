"""Whole-exchange credit in the summary, `progress`, export and the report: a question's level counts
the follow-up answers too, and the points that needed a follow-up are marked."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.conftest import MakeSession
from tests.fakes import QID, STRONG, VAGUE, ScriptedEngines, ScriptedTranscriber, timed
from voice_interviewer.cli import app
from voice_interviewer.cli.ui import RichSessionUI
from voice_interviewer.retrieval.embeddings import MiniLMEmbedder
from voice_interviewer.review.export import export_csv, export_json, export_md
from voice_interviewer.review.progress import progress
from voice_interviewer.review.records import list_sessions, open_session, select_cards, summary_of
from voice_interviewer.review.report import render_report
from voice_interviewer.review.rescore import RescoreOptions, rescore, results_json
from voice_interviewer.review.runners import InProcess
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.store.sessions import Session, SessionStore, Turn
from voice_interviewer.store.summary import summarize
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import ModelsUsed

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

    rows = list(csv.DictReader(io.StringIO(export_csv(rec, cards))))
    assert [r["question_level"] for r in rows] == [str(q.level)] * 2
    assert rows[0]["prompted"] == "; ".join(q.prompted) and rows[0]["level"] == str(first_level)

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


def _scored_with_meaning(track: Track, embedder: MiniLMEmbedder) -> Session:
    """A session of a weak answer and a strong follow-up answer, both scored with the embedder."""
    q, rnd = track.question(QID)
    models = ModelsUsed(embeddings=embedder.name, rubric_version=rnd.round.version, rubric_sha256=rnd.sha256)
    cards = [score_answer(q, rnd, timed(text), embedder, models) for text in (VAGUE, STRONG)]
    turns = [
        Turn(index=n, question_id=QID, kind=kind, interviewer_text="?", transcript=c.transcript, scorecard=c)
        for n, (kind, c) in enumerate(zip(("question", "follow-up"), cards, strict=True), 1)
    ]
    s = Session(id="20261101-100000-phone-screen", created="", track=track.name, round="phone-screen", mode="demo")
    return s.model_copy(update={"turns": turns})


@pytest.mark.slow
def test_answers_scored_with_meaning_are_combined_with_the_same_embedder(
    track: Track, embedder: MiniLMEmbedder
) -> None:
    s = _scored_with_meaning(track, embedder)
    first = s.turns[0].scorecard
    assert first is not None
    summary = summarize(s, track, embedder).questions[QID]
    assert summary.level > first.content.level and summary.prompted
    # without the embedder the answers were scored with, the exchange is not re-scored differently
    alone = summarize(s, track).questions[QID]
    assert (alone.level, alone.prompted) == (first.content.level, ())


@pytest.mark.slow
def test_the_session_list_gives_the_exchange_level_like_show_and_progress(
    track: Track, embedder: MiniLMEmbedder, session_store: SessionStore
) -> None:
    # the list gave the first answer's level (2) where `sessions show` and `progress` gave the exchange's (4)
    s = _scored_with_meaning(track, embedder)
    session_store.create(s)
    exchange = summarize(s, track, embedder).overall_level
    first = s.turns[0].scorecard
    assert first is not None and exchange is not None and exchange > first.content.level
    [row] = list_sessions(session_store, embedder=embedder)
    assert row.overall_level == exchange
    res = CliRunner().invoke(app, ["sessions", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["overall_level"] == exchange


def test_the_live_summary_shows_the_exchange_level(
    make_session: MakeSession, session_store: SessionStore, track: Track
) -> None:
    s = session_store.load(make_session(answers=WEAK_THEN_STRONG).name)
    q = summarize(s, track).questions[QID]
    console = Console(record=True, width=200)
    RichSessionUI(console).summary(s, "folder", track)
    shown = console.export_text()
    assert q.level_text in shown and "needed a follow-up" in shown
    assert q.prompted[0][:40] in shown


def test_the_exchange_is_scored_without_its_fillers_like_each_answer(track: Track) -> None:
    """Each answer's card is scored with its fillers taken out; the answers together are too, so a
    spoken exchange full of "um" scores as the same answers said without them."""
    from voice_interviewer.scoring.exchange import combine

    q, rnd = track.question(QID)
    models = ModelsUsed(rubric_version=rnd.round.version, rubric_sha256=rnd.sha256)
    fluent = (VAGUE.replace(", um,", ","), STRONG.replace(" um ", " "))
    halting = (
        "Um, so, uh, bias and, um, variance are two kinds of error and, uh, there is a trade-off between them.",
        STRONG.replace("so the model underfits.", "so, um, the model, uh, underfits."),
    )
    plain = combine(q, [score_answer(q, rnd, timed(t), None, models) for t in fluent])
    said = combine(q, [score_answer(q, rnd, timed(t), None, models) for t in halting])
    assert said.content.score == plain.content.score and said.level == plain.level
    quoted = [e.sentence for cr in said.content.criteria for p in cr.covered for e in p.evidence]
    assert quoted and not any(f in s.lower().split() for s in quoted for f in ("um", "uh", "um,", "uh,"))
