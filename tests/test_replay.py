"""Replaying a session: interviewer then answer, turn by turn; one 16 kHz track with gaps; devices.

No models: audio files are generated tones (see the ``make_session`` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf
from typer.testing import CliRunner, Result

from tests.conftest import MakeSession
from tests.fakes import FOLLOW, QID, STRONG, VAGUE
from voice_interviewer.cli import app
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.review.records import open_session
from voice_interviewer.review.replay import combine, replay_plan
from voice_interviewer.store.sessions import SessionStore


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


# --- replay --------------------------------------------------------------------------------------


def test_replay_plan_is_interviewer_then_answer_turn_by_turn(
    make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session(answers=((QID, STRONG), (QID, FOLLOW), (QID, VAGUE)))
    rec = open_session(session_store, folder.name)
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


def test_combined_replay_is_16k_in_order_with_half_second_gaps(
    runner: CliRunner, tmp_path: Path, make_session: MakeSession
) -> None:
    folder = make_session(answers=((QID, STRONG), (QID, FOLLOW), (QID, VAGUE)))
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


def test_an_output_path_that_cannot_be_written_is_a_usage_error(
    runner: CliRunner, tmp_path: Path, make_session: MakeSession
) -> None:
    # each of these ended in a traceback and exit 1 ("No format specified", IsADirectoryError)
    folder = make_session()
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    cases = [
        (("sessions", "replay", folder.name, "--out", tmp_path), "is a folder; give a file name in it"),
        (("sessions", "replay", folder.name, "--out", tmp_path / "replay.mp3"), "writes a .wav file"),
        (("sessions", "replay", folder.name, "--out", tmp_path / "replay"), "writes a .wav file"),
        (("sessions", "replay", folder.name, "--out", blocked / "r.wav"), "Cannot write --out"),
        (("report", folder.name, "--html", tmp_path), "is a folder"),
        (("report", folder.name, "--html", blocked / "r.html"), "Cannot write --html"),
        (("export", folder.name, "--out", tmp_path), "is a folder"),
    ]
    for args, says in cases:
        res = run(runner, *args)
        assert res.exit_code == ExitCode.USAGE, (args, res.output)
        assert says in res.stderr and "unexpected" not in res.stderr, (args, res.stderr)
    assert run(runner, "report", folder.name, "--html", tmp_path / "new" / "r.HTML").exit_code == 0


def test_replay_of_a_damaged_session_skips_what_is_missing(
    make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session()
    (folder / "turn-01-interviewer.wav").write_bytes(b"not a wav")
    rec = open_session(session_store, folder.name)
    audio, placed = combine(replay_plan(rec))
    assert placed[0].start_s is None and "unreadable" in (placed[0].note or "")
    assert [p.start_s is not None for p in placed] == [False, True, True, True]
    assert audio.size / 16000 == pytest.approx(0.3 + 0.5 + 0.6 + 0.5 + 0.6, abs=0.01)


def test_replay_without_an_output_device_says_so_and_suggests_out(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, make_session: MakeSession
) -> None:
    import voice_interviewer.cli.sessions as ch

    folder = make_session()
    monkeypatch.setattr(ch, "_has_output", lambda: False)
    res = run(runner, "sessions", "replay", folder.name)
    assert res.exit_code == ExitCode.DEVICE
    errors = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "No audio output device" in errors[0] and "--out" in errors[0]


def test_replay_plays_each_line_through_play_wav(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, make_session: MakeSession
) -> None:
    import voice_interviewer.cli.sessions as ch
    import voice_interviewer.tts.speaker as tts

    folder = make_session()
    played: list[str] = []
    monkeypatch.setattr(ch, "_has_output", lambda: True)
    monkeypatch.setattr(tts, "play_wav", lambda path, device=None: played.append(Path(path).name))
    res = run(runner, "sessions", "replay", folder.name)
    assert res.exit_code == 0, res.output
    assert played == ["turn-01-interviewer.wav", "turn-01-answer.wav", "turn-02-interviewer.wav", "turn-02-answer.wav"]
