"""Exporting a session (JSON, CSV, Markdown) and the progress across sessions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.conftest import MakeSession
from tests.fakes import QID, STRONG, VAGUE
from voice_interviewer.cli import app
from voice_interviewer.errors import ExitCode
from voice_interviewer.review.export import export_csv, export_json, export_md
from voice_interviewer.review.progress import progress_for_store
from voice_interviewer.review.records import open_session, select_cards
from voice_interviewer.store.sessions import SessionStore
from voice_interviewer.track.rubric import Track


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


# --- export --------------------------------------------------------------------------------------


def test_export_formats(
    runner: CliRunner, tmp_path: Path, make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session()
    rec = open_session(session_store, folder.name)
    cards = select_cards(rec)
    body = json.loads(export_json(rec, cards))
    assert body["session"]["id"] == folder.name and len(body["session"]["turns"]) == 2
    assert body["session"]["turns"][0]["scorecard"]["content"]["score"] == cards[1].content.score
    assert body["summary"]["answers"] == 2

    rows = list(csv.DictReader(io.StringIO(export_csv(rec, cards))))
    assert [r["turn"] for r in rows] == ["1", "2"] and rows[1]["kind"] == "follow-up"
    assert rows[0]["transcript"] == STRONG and float(rows[0]["words_per_minute"]) > 0
    assert "=" in rows[0]["criteria"]

    md = export_md(rec, cards)
    assert md.startswith(f"# Mock interview {folder.name}")
    assert "## Turn 1 (question)" in md and "| Criterion | Level |" in md and STRONG in md
    missed = [p.text for cr in cards[1].content.criteria for p in cr.missed]
    assert all(m in md for m in missed)

    for fmt in ("json", "csv", "md"):
        res = run(runner, "export", folder.name, "--format", fmt)
        assert res.exit_code == 0, res.output
        assert res.stdout.strip()
    target = tmp_path / "out" / "s.md"
    assert run(runner, "export", folder.name, "-f", "md", "--out", target).exit_code == 0
    assert target.read_text() == md
    bad = run(runner, "export", folder.name, "--format", "xml")
    assert bad.exit_code == ExitCode.USAGE and "json, csv or md" in bad.stderr


# --- progress ------------------------------------------------------------------------------------


def test_progress_trends_and_weakest_criteria(
    track: Track, runner: CliRunner, make_session: MakeSession, session_store: SessionStore
) -> None:
    make_session("20261101-100000-phone-screen", ((QID, VAGUE),))
    make_session("20261102-100000-phone-screen", ((QID, STRONG),))
    make_session("20261103-100000-behavioral", (("behavioral/failure", "I broke the ranking model."),))
    damaged = make_session("20261104-100000-phone-screen")
    (damaged / "session.json").write_text("")
    p = progress_for_store(session_store, "phone-screen")
    assert [pt.id for pt in p.points] == ["20261101-100000-phone-screen", "20261102-100000-phone-screen"]
    assert all(pt.words_per_minute and pt.fillers_per_minute is not None for pt in p.points)
    assert p.points[0].overall_level is not None and p.points[1].overall_level is not None
    assert p.points[1].overall_level >= p.points[0].overall_level
    q, _ = track.question(QID)
    assert {c.name for c in p.criteria} == {c.name for c in q.criteria}
    assert all(len(c.levels) == 2 for c in p.criteria)
    assert p.weakest and p.weakest[0].recent == min(c.recent for c in p.criteria)
    assert [r.question_id for r in p.retold] == [QID]
    assert any("20261104" in s for s in p.skipped)
    everything = progress_for_store(session_store)
    assert len(everything.points) == 3

    res = run(runner, "progress", "--round", "phone-screen")
    assert res.exit_code == 0, res.output
    assert "Practise next" in res.stdout and "Level per criterion" in res.stdout
    body = json.loads(run(runner, "progress", "--json").stdout)
    assert len(body["points"]) == 3 and body["weakest"]


def test_a_criterion_at_level_4_is_not_one_to_practise(
    runner: CliRunner, make_session: MakeSession, session_store: SessionStore
) -> None:
    make_session("20261101-100000-phone-screen", ((QID, STRONG),))
    p = progress_for_store(session_store)
    at_4 = {c.name for c in p.criteria if c.recent == 4}
    assert at_4 and p.weakest, "the strong answer reaches level 4 on one criterion and not on the others"
    assert not at_4 & {w.name for w in p.weakest}
    assert len(p.weakest) == len(p.criteria) - len(at_4)


def test_a_misspelt_round_is_a_usage_error(runner: CliRunner, make_session: MakeSession) -> None:
    make_session()
    for command in ("progress", "sessions"):
        res = run(runner, command, "--round", "phonescreen")
        assert res.exit_code == ExitCode.USAGE, res.output
        assert "Did you mean phone-screen?" in res.stderr
    # a round with no sessions yet is not an error
    res = run(runner, "progress", "--round", "behavioral")
    assert res.exit_code == 0 and "No scored sessions of round behavioral yet" in res.stdout
