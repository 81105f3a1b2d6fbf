"""A past session as read from disk: listing (damaged ones too), ids, show, which scorecards count.

No models: scorecards are computed from hand-timed transcripts, audio files are generated tones.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
import soundfile as sf
from typer.testing import CliRunner, Result

from tests.conftest import CardFor, MakeSession
from tests.fakes import QID, VAGUE
from voice_interviewer.cli import app
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.review.records import list_sessions, open_session, select_cards
from voice_interviewer.store.lock import SessionLock
from voice_interviewer.store.rescores import RescoredTurn, RescoreRecord
from voice_interviewer.store.sessions import SessionStore
from voice_interviewer.types import Scorecard


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


# --- listing -------------------------------------------------------------------------------------


def test_list_shows_date_round_questions_level_duration(
    runner: CliRunner, make_session: MakeSession, session_store: SessionStore
) -> None:
    make_session()
    make_session("20261102-090000-behavioral", (("behavioral/failure", "We shipped a model that failed."),))
    rows = list_sessions(session_store)
    assert [r.id for r in rows] == ["20261102-090000-behavioral", "20261101-100000-phone-screen"]  # newest first
    r = rows[1]
    assert (r.date, r.round, r.questions, r.status, r.problems) == (
        "2026-11-01 10:00",
        "phone-screen",
        1,
        "complete",
        (),
    )
    assert r.overall_level is not None and 1 <= r.overall_level <= 4 and r.answers == 2
    assert r.duration_s == pytest.approx(0.3 + 0.3 + 0.6 + 0.6, abs=0.05)
    assert [r.round for r in list_sessions(session_store, "behavioral")] == ["behavioral"]

    res = run(runner, "sessions")
    assert res.exit_code == 0, res.output
    assert "20261101-100000-phone-screen" in res.stdout and "phone-screen" in res.stdout
    listed = json.loads(run(runner, "sessions", "--json").stdout)
    assert listed[1]["questions"] == 1 and listed[1]["duration_s"] == pytest.approx(1.8, abs=0.05)


def test_empty_store_says_how_to_record(runner: CliRunner) -> None:
    res = run(runner, "sessions")
    assert res.exit_code == 0 and "practice --demo" in res.stdout


def _damage(make_session: MakeSession) -> dict[str, Path]:
    ids = {
        "missing": "20261101-100001-phone-screen",
        "corrupt": "20261101-100002-phone-screen",
        "truncated": "20261101-100003-phone-screen",
        "crash": "20261101-100004-phone-screen",
        "nojson": "20261101-100005-phone-screen",
        "empty": "20261101-100006-phone-screen",
        "newer": "20261101-100007-phone-screen",
    }
    f = {k: make_session(sid) for k, sid in ids.items()}
    (f["missing"] / "turn-02-answer.wav").unlink()
    (f["corrupt"] / "turn-01-answer.wav").write_bytes(b"RIFF\x00\x00garbage, not audio" * 3)
    text = (f["truncated"] / "session.json").read_text()
    (f["truncated"] / "session.json").write_text(text[: int(len(text) * 0.75)])
    # a crash mid-answer: the second answer is still raw PCM and the session says in-progress
    crash = json.loads((f["crash"] / "session.json").read_text())
    crash["status"] = "in-progress"
    crash["turns"][1]["transcript"] = crash["turns"][1]["scorecard"] = None
    (f["crash"] / "session.json").write_text(json.dumps(crash))
    wav = f["crash"] / "turn-02-answer.wav"
    pcm = (sf.read(str(wav), dtype="int16")[0]).astype("<i2").tobytes() + b"\x01"  # odd byte: cut mid-sample
    wav.unlink()
    (f["crash"] / "turn-02-answer.pcm").write_bytes(pcm)
    (f["nojson"] / "session.json").unlink()
    (f["empty"] / "session.json").write_text("")
    newer = json.loads((f["newer"] / "session.json").read_text())
    newer["schema_version"] = 99
    (f["newer"] / "session.json").write_text(json.dumps(newer))
    return f


def test_damaged_sessions_are_listed_with_their_problem_and_never_crash(
    runner: CliRunner, session_store: SessionStore, make_session: MakeSession
) -> None:
    folders = _damage(make_session)
    (session_store.root / "not-a-session").mkdir()  # ignored: not a session id
    rows = {r.id: r for r in list_sessions(session_store)}
    by = {k: rows[p.name] for k, p in folders.items()}
    assert any("turn 2" in p and "missing" in p for p in by["missing"].problems)
    assert any("turn 1" in p and "unreadable" in p for p in by["corrupt"].problems)
    assert any("truncated" in p for p in by["truncated"].problems)
    assert by["truncated"].status == "complete" or by["truncated"].answers >= 1
    assert any("crash" in p and ".pcm" in p for p in by["crash"].problems)
    assert any("in-progress" in p for p in by["crash"].problems) and by["crash"].status == "in-progress"
    assert by["nojson"].status == "damaged" and "no session.json" in by["nojson"].problems[0]
    assert by["empty"].status == "damaged" and "nothing in it could be recovered" in by["empty"].problems[0]
    assert by["newer"].status == "damaged" and "newer voice-interviewer" in by["newer"].problems[0]

    res = run(runner, "sessions")
    assert res.exit_code == 0, res.output
    assert "Problems" in res.stdout and "no session.json" in res.stdout


def test_session_ids_are_validated_no_path_traversal(runner: CliRunner, session_store: SessionStore) -> None:
    for args in (
        ("sessions", "show", "../../etc"),
        ("sessions", "replay", "..", "--out", "x.wav"),
        ("export", "../x", "--format", "json"),
        ("report", "/etc/passwd", "--html", "x.html"),
        ("rescore", "20261101-100000-../../x"),
    ):
        res = run(runner, *args)
        assert res.exit_code == ExitCode.USAGE, (args, res.output)
        assert "is not a session id" in res.stderr
    with pytest.raises(UserError, match="not a session id"):
        open_session(session_store, "../20261101-100000-phone-screen")


def test_unknown_session_says_how_to_list(runner: CliRunner) -> None:
    res = run(runner, "sessions", "show", "20261101-100000-phone-screen")
    assert res.exit_code == ExitCode.USAGE and "voice-interviewer sessions" in res.stderr


def test_a_truncated_answer_wav_is_a_problem_and_what_it_holds_is_used(
    runner: CliRunner, make_session: MakeSession, session_store: SessionStore
) -> None:
    # libsndfile reads a short WAV quietly; only the header tells that it promised more
    cut = make_session("20261101-100001-phone-screen")
    wav = cut / "turn-02-answer.wav"  # 0.6 s at 16 kHz, 16-bit: 19200 bytes of samples
    data = wav.read_bytes()
    wav.write_bytes(data[: len(data) - 9600])  # the last 0.3 s gone
    odd = make_session("20261101-100002-phone-screen")
    wav = odd / "turn-01-answer.wav"
    wav.write_bytes(wav.read_bytes()[:-1])  # cut inside the last sample
    stream = make_session("20261101-100003-phone-screen")
    wav = stream / "turn-01-answer.wav"  # a streaming writer's "unknown length" header, ended mid-sample
    header = bytearray(wav.read_bytes())
    at = header.index(b"data") + 4
    header[at : at + 4] = b"\xff\xff\xff\xff"
    wav.write_bytes(bytes(header) + b"\x01")
    make_session("20261101-100004-phone-screen")  # intact

    rows = {r.id: r for r in list_sessions(session_store)}
    (p,) = rows[cut.name].problems
    assert p.startswith("turn 2: answer audio turn-02-answer.wav is truncated")
    assert "promises 0.60 s, the file holds 0.30 s" in p
    (p,) = rows[odd.name].problems
    assert p.startswith("turn 1: answer audio turn-01-answer.wav is cut mid-sample")
    (p,) = rows[stream.name].problems
    assert "cut mid-sample" in p and "after 0.30 s" in p
    assert rows["20261101-100004-phone-screen"].problems == ()

    rec = open_session(session_store, cut.name)
    answer = rec.answers[2]
    assert answer is not None and answer.problem is None  # still replayed and re-scored
    assert answer.seconds == pytest.approx(0.3, abs=0.01)

    res = run(runner, "sessions")
    assert res.exit_code == 0, res.output
    assert "is truncated" in res.stdout and "cut mid-sample" in res.stdout
    res = run(runner, "sessions", "show", cut.name)
    assert res.exit_code == 0, res.output
    assert "turn-02-answer.wav is truncated" in " ".join(res.stdout.split())


def test_a_session_owned_by_a_live_process_is_running_not_a_crash(
    runner: CliRunner, make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session("20261101-100001-phone-screen", status="in-progress")
    # its second answer is being recorded: raw PCM, no transcript yet
    data = json.loads((folder / "session.json").read_text())
    data["turns"][1]["transcript"] = data["turns"][1]["scorecard"] = None
    (folder / "session.json").write_text(json.dumps(data))
    (folder / "turn-02-answer.wav").unlink()
    (folder / "turn-02-answer.pcm").write_bytes(b"\x00\x01" * 1600)

    with SessionLock(folder).acquire(folder.name):  # held by this (live) test process
        (r,) = list_sessions(session_store)
        assert (r.status, r.problems) == ("running", ())
        res = run(runner, "sessions")
        assert res.exit_code == 0, res.output
        assert "running" in res.stdout and "crash" not in res.stdout
        res = run(runner, "sessions", "show", folder.name)
        assert res.exit_code == 0, res.output
        assert f"Running: process {os.getpid()}" in res.stdout and "crash" not in res.stdout

    (r,) = list_sessions(session_store)  # its owner gone: now it is what a crash left
    assert r.status == "in-progress"
    assert any("crash?" in p for p in r.problems) and any(".pcm" in p for p in r.problems)


# --- show ----------------------------------------------------------------------------------------


def test_show_prints_the_transcript_with_scores(runner: CliRunner, make_session: MakeSession) -> None:
    make_session()
    res = run(runner, "sessions", "show", "latest")
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "Interviewer:" in out and "Explain the bias-variance trade-off" in out
    assert "Variance is how sensitive the model is" in out
    assert "content" in out and "/100" in out and "Overall level" in out
    full = run(runner, "sessions", "show", "latest", "--full")
    assert full.exit_code == 0 and "Criterion" in full.stdout


# --- which scorecards count ----------------------------------------------------------------------


def _fake_rescore(folder: Path, card: Scorecard, created: str, name: str) -> None:
    rec = RescoreRecord(
        session_id=folder.name,
        created=created,
        models=card.models,
        options={"stt_model": "base"},
        turns=[RescoredTurn(index=1, question_id=card.question.id, scorecard=card)],
    )
    (folder / "rescores").mkdir(exist_ok=True)
    (folder / "rescores" / f"{name}.json").write_text(rec.model_dump_json())


def test_latest_scorecard_per_turn_counts_unless_told_otherwise(
    runner: CliRunner, make_session: MakeSession, session_store: SessionStore, card_for: CardFor
) -> None:
    folder = make_session()
    original = open_session(session_store, folder.name).session
    assert original is not None and original.turns[0].scorecard is not None
    vague = card_for(QID, VAGUE)
    _fake_rescore(folder, vague, "2026-11-02T10:00:00.000001+00:00", "20261102T100000Z-base-x")
    (folder / "rescores" / "20261103T100000Z-broken.json").write_text("{")  # damaged: ignored, reported
    rec = open_session(session_store, folder.name)
    assert select_cards(rec)[1] == vague
    assert select_cards(rec)[2] == original.turns[1].scorecard  # the turn the re-score did not cover
    assert select_cards(rec, "original")[1] == original.turns[0].scorecard
    assert select_cards(rec, "20261102")[1] == vague
    with pytest.raises(UserError, match="matches 0 re-scores"):
        select_cards(rec, "1999")
    assert any("unreadable" in p for p in rec.problems)
    res = run(runner, "export", folder.name, "--format", "csv", "--scores", "original")
    first = next(csv.DictReader(io.StringIO(res.stdout)))
    assert float(first["content_score"]) == original.turns[0].scorecard.content.score
