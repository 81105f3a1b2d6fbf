"""Coming back to sessions: listing (damaged ones too), show, replay order and audio, export, progress.

No models: scorecards are computed from hand-timed transcripts, audio files are generated tones.
``make_session`` is shared with test_report.py and test_rescore.py.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner, Result

from voice_interviewer.cli import app
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import data_home
from voice_interviewer.review.records import (
    RescoredTurn,
    RescoreRecord,
    combine,
    export_csv,
    export_json,
    export_md,
    list_sessions,
    open_session,
    progress_for_store,
    replay_plan,
    salvage_json,
    select_cards,
)
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.store.sessions import Session, SessionStore, Turn
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import ModelsUsed, Scorecard, Transcript, Word

QID = "phone-screen/bias-variance"
STRONG = (
    "Bias is the error from assumptions that are too simple, so the model underfits. um Variance is how "
    "sensitive the model is to the training sample, so it overfits the noise. I compare training and "
    "validation error, and I add regularization or more data for variance."
)
VAGUE = "So bias and variance are two kinds of error and there is a trade-off between them, um, you want a balance."
FOLLOW = "I would use early stopping and cross validation to pick the regularization strength."


def store() -> SessionStore:
    return SessionStore(data_home().ensure())


def timed(text: str, pause_after: int = 6, step: float = 0.4) -> Transcript:
    """A transcript with made-up word timings: ``step`` s a word and one 2.5 s pause."""
    words, t = [], 0.3
    for i, w in enumerate(text.split()):
        words.append(Word(word=w, start=round(t, 3), end=round(t + step * 0.8, 3)))
        t += step + (2.5 if i == pause_after else 0.0)
    return Transcript(text=text, words=tuple(words), duration_s=round(t + 0.5, 2))


def card_for(track: Track, qid: str, text: str) -> Scorecard:
    q, rnd = track.question(qid)
    models = ModelsUsed(stt="tiny.en", rubric_version=rnd.round.version, rubric_sha256=rnd.sha256)
    return score_answer(q, rnd, timed(text), None, models)


def tone(seconds: float, value: float, rate: int = 16000) -> np.ndarray:
    """A constant signal: easy to recognise in a combined replay, even after resampling."""
    return np.full(int(seconds * rate), value, dtype=np.float32)


def make_session(
    track: Track,
    sid: str = "20261101-100000-phone-screen",
    answers: tuple[tuple[str, str], ...] = ((QID, STRONG), (QID, FOLLOW)),
    status: str = "complete",
    audio: bool = True,
) -> Path:
    """A finished session on disk: turn n's interviewer line is a 22.05 kHz constant 0.1*n, its
    answer a 16 kHz constant -0.1*n, each 0.3*n s long."""
    st = store()
    folder = st.root / sid
    folder.mkdir(parents=True)
    turns = []
    for n, (qid, text) in enumerate(answers, 1):
        q, _ = track.question(qid)
        line = f"turn-{n:02d}-interviewer.wav"
        ans = f"turn-{n:02d}-answer.wav"
        if audio:
            sf.write(str(folder / line), tone(0.3 * n, 0.1 * n, 22050), 22050, subtype="PCM_16")
            sf.write(str(folder / ans), tone(0.3 * n, -0.1 * n), 16000, subtype="PCM_16")
        card = card_for(track, qid, text)
        turns.append(
            Turn(
                index=n,
                question_id=qid,
                kind="question" if n == 1 or qid != answers[n - 2][0] else "follow-up",
                interviewer_text=q.prompt if n == 1 else f"Follow-up {n} about {qid}?",
                interviewer_audio=line if audio else None,
                answer_audio=ans if audio else None,
                ended_by="silence",
                transcript=card.transcript,
                scorecard=card,
            )
        )
    s = Session(
        id=sid,
        created=f"{sid[:4]}-{sid[4:6]}-{sid[6:8]}T{sid[9:11]}:{sid[11:13]}:00+00:00",
        track="netflix-mle",
        round=sid[16:],
        mode="demo",
        status=status,  # type: ignore[arg-type]
        turns=turns,
    )
    st.save(s)
    return folder


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


# --- listing -------------------------------------------------------------------------------------


def test_list_shows_date_round_questions_level_duration(track: Track, runner: CliRunner) -> None:
    make_session(track)
    make_session(track, "20261102-090000-behavioral", (("behavioral/failure", "We shipped a model that failed."),))
    rows = list_sessions(store())
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
    assert [r.round for r in list_sessions(store(), "behavioral")] == ["behavioral"]

    res = run(runner, "sessions")
    assert res.exit_code == 0, res.output
    assert "20261101-100000-phone-screen" in res.stdout and "phone-screen" in res.stdout
    listed = json.loads(run(runner, "sessions", "--json").stdout)
    assert listed[1]["questions"] == 1 and listed[1]["duration_s"] == pytest.approx(1.8, abs=0.05)


def test_empty_store_says_how_to_record(runner: CliRunner) -> None:
    res = run(runner, "sessions")
    assert res.exit_code == 0 and "practice --demo" in res.stdout


def _damage(track: Track) -> dict[str, Path]:
    ids = {
        "missing": "20261101-100001-phone-screen",
        "corrupt": "20261101-100002-phone-screen",
        "truncated": "20261101-100003-phone-screen",
        "crash": "20261101-100004-phone-screen",
        "nojson": "20261101-100005-phone-screen",
        "empty": "20261101-100006-phone-screen",
        "newer": "20261101-100007-phone-screen",
    }
    f = {k: make_session(track, sid) for k, sid in ids.items()}
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


def test_damaged_sessions_are_listed_with_their_problem_and_never_crash(track: Track, runner: CliRunner) -> None:
    folders = _damage(track)
    (store().root / "not-a-session").mkdir()  # ignored: not a session id
    rows = {r.id: r for r in list_sessions(store())}
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


def test_a_truncated_session_keeps_every_turn_that_was_complete(track: Track) -> None:
    folder = make_session(track, answers=((QID, STRONG), (QID, FOLLOW), (QID, VAGUE)))
    text = (folder / "session.json").read_text()
    cut = text.index('"index": 3')  # cut inside the third turn
    (folder / "session.json").write_text(text[:cut])
    rec = open_session(store(), folder.name)
    assert rec.session is not None
    assert [t.index for t in rec.session.turns] == [1, 2]
    assert rec.session.turns[1].scorecard is not None
    assert replay_plan(rec)[-1].text == FOLLOW


def test_salvage_json() -> None:
    assert salvage_json('{"a": 1, "b": [1, 2, {"c": 3}, {"d": ') == {"a": 1, "b": [1, 2, {"c": 3}]}
    assert salvage_json('{"a": "x, y", "b": "unfinished') == {"a": "x, y"}
    assert salvage_json('{"a": {"b": 1}') == {"a": {"b": 1}}
    assert salvage_json("") is None
    assert salvage_json("garbage") is None


def test_session_ids_are_validated_no_path_traversal(runner: CliRunner) -> None:
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
        open_session(store(), "../20261101-100000-phone-screen")


def test_unknown_session_says_how_to_list(runner: CliRunner) -> None:
    res = run(runner, "sessions", "show", "20261101-100000-phone-screen")
    assert res.exit_code == ExitCode.USAGE and "voice-interviewer sessions" in res.stderr


# --- show ----------------------------------------------------------------------------------------


def test_show_prints_the_transcript_with_scores(track: Track, runner: CliRunner) -> None:
    make_session(track)
    res = run(runner, "sessions", "show", "latest")
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "Interviewer:" in out and "Explain the bias-variance trade-off" in out
    assert "Variance is how sensitive the model is" in out
    assert "content" in out and "/100" in out and "Overall level" in out
    full = run(runner, "sessions", "show", "latest", "--full")
    assert full.exit_code == 0 and "Criterion" in full.stdout


# --- replay --------------------------------------------------------------------------------------


def test_replay_plan_is_interviewer_then_answer_turn_by_turn(track: Track) -> None:
    folder = make_session(track, answers=((QID, STRONG), (QID, FOLLOW), (QID, VAGUE)))
    rec = open_session(store(), folder.name)
    plan = replay_plan(rec)
    assert [(s.turn, s.speaker) for s in plan] == [
        (1, "interviewer"),
        (1, "candidate"),
        (2, "interviewer"),
        (2, "candidate"),
        (3, "interviewer"),
        (3, "candidate"),
    ]
    assert plan[1].text == STRONG and plan[0].text.startswith("Explain the bias-variance")
    assert [(s.turn, s.speaker) for s in replay_plan(rec, 2)] == [(2, "interviewer"), (2, "candidate")]
    with pytest.raises(UserError, match="has no turn 9; its turns: 1, 2, 3"):
        replay_plan(rec, 9)


def test_combined_replay_is_16k_in_order_with_half_second_gaps(track: Track, runner: CliRunner, tmp_path: Path) -> None:
    folder = make_session(track, answers=((QID, STRONG), (QID, FOLLOW), (QID, VAGUE)))
    out = tmp_path / "replay.wav"
    res = run(runner, "sessions", "replay", folder.name, "--out", out)
    assert res.exit_code == 0, res.output
    audio, rate = sf.read(str(out), dtype="float32")
    assert rate == 16000 and audio.ndim == 1
    lengths = [0.3 * n for n in (1, 1, 2, 2, 3, 3)]
    assert audio.size / 16000 == pytest.approx(sum(lengths) + 5 * 0.5, abs=0.01)
    # each step's middle sample is its constant: interviewer +0.1n (resampled from 22.05 kHz), answer -0.1n
    t = 0.0
    for i, seconds in enumerate(lengths):
        n = i // 2 + 1
        expected = 0.1 * n if i % 2 == 0 else -0.1 * n
        assert audio[int((t + seconds / 2) * 16000)] == pytest.approx(expected, abs=0.01), (i, t)
        t += seconds + 0.5
    # the transcript is printed in step, with where each line starts in the file
    lines = [line for line in res.stdout.splitlines() if "Interviewer:" in line or "Candidate:" in line]
    assert lines[0].startswith("[0:00] 1. Interviewer:") and lines[1].startswith("[0:00] 1. Candidate:")
    assert "3. Candidate:" in lines[-1]

    one = tmp_path / "turn2.wav"
    assert run(runner, "sessions", "replay", folder.name, "--turn", "2", "--out", one).exit_code == 0
    assert sf.info(str(one)).duration == pytest.approx(0.6 + 0.5 + 0.6, abs=0.01)


def test_replay_of_a_damaged_session_skips_what_is_missing(track: Track) -> None:
    folder = make_session(track)
    (folder / "turn-01-interviewer.wav").write_bytes(b"not a wav")
    rec = open_session(store(), folder.name)
    audio, placed = combine(replay_plan(rec))
    assert placed[0].start_s is None and "unreadable" in (placed[0].note or "")
    assert [p.start_s is not None for p in placed] == [False, True, True, True]
    assert audio.size / 16000 == pytest.approx(0.3 + 0.5 + 0.6 + 0.5 + 0.6, abs=0.01)


def test_replay_without_an_output_device_says_so_and_suggests_out(
    track: Track, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voice_interviewer.cli.history as ch

    folder = make_session(track)
    monkeypatch.setattr(ch, "_has_output", lambda: False)
    res = run(runner, "sessions", "replay", folder.name)
    assert res.exit_code == ExitCode.DEVICE
    errors = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "No audio output device" in errors[0] and "--out" in errors[0]


def test_replay_plays_each_line_through_play_wav(
    track: Track, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voice_interviewer.cli.history as ch
    import voice_interviewer.tts.speaker as tts

    folder = make_session(track)
    played: list[str] = []
    monkeypatch.setattr(ch, "_has_output", lambda: True)
    monkeypatch.setattr(tts, "play_wav", lambda path, device=None: played.append(Path(path).name))
    res = run(runner, "sessions", "replay", folder.name)
    assert res.exit_code == 0, res.output
    assert played == ["turn-01-interviewer.wav", "turn-01-answer.wav", "turn-02-interviewer.wav", "turn-02-answer.wav"]


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


def test_latest_scorecard_per_turn_counts_unless_told_otherwise(track: Track, runner: CliRunner) -> None:
    folder = make_session(track)
    original = open_session(store(), folder.name).session
    assert original is not None and original.turns[0].scorecard is not None
    vague = card_for(track, QID, VAGUE)
    _fake_rescore(folder, vague, "2026-11-02T10:00:00.000001+00:00", "20261102T100000Z-base-x")
    (folder / "rescores" / "20261103T100000Z-broken.json").write_text("{")  # damaged: ignored, reported
    rec = open_session(store(), folder.name)
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


# --- export --------------------------------------------------------------------------------------


def test_export_formats(track: Track, runner: CliRunner, tmp_path: Path) -> None:
    folder = make_session(track)
    rec = open_session(store(), folder.name)
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


def test_progress_trends_and_weakest_criteria(track: Track, runner: CliRunner) -> None:
    make_session(track, "20261101-100000-phone-screen", ((QID, VAGUE),))
    make_session(track, "20261102-100000-phone-screen", ((QID, STRONG),))
    make_session(track, "20261103-100000-behavioral", (("behavioral/failure", "I broke the ranking model."),))
    damaged = make_session(track, "20261104-100000-phone-screen")
    (damaged / "session.json").write_text("")
    p = progress_for_store(store(), "phone-screen")
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
    everything = progress_for_store(store())
    assert len(everything.points) == 3

    res = run(runner, "progress", "--round", "phone-screen")
    assert res.exit_code == 0, res.output
    assert "Practise next" in res.stdout and "Level per criterion" in res.stdout
    body = json.loads(run(runner, "progress", "--json").stdout)
    assert len(body["points"]) == 3 and body["weakest"]
