"""The command line, through Typer's CliRunner: exit codes, one-line errors, the JSON scorecard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from tests.audio_fixtures import jfk_audio, silence, write_long_flac, write_wav
from tests.conftest import JFK
from voice_interviewer.cli import app
from voice_interviewer.errors import ExitCode
from voice_interviewer.track.rubric import Track

REQUIRED_PHONE_SCREEN = (
    "phone-screen/bias-variance",
    "phone-screen/precision-recall",
    "phone-screen/distribution-shift",
    "phone-screen/class-imbalance",
)
QID = "phone-screen/bias-variance"
TYPED = (
    "Bias is error from assumptions that are too simple, so the model underfits. Variance is sensitivity to "
    "the training sample, so the model overfits noise. I would compare training and validation error, and "
    "use regularization for variance and richer features for bias."
)


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(res: Result, code: int, *needles: str) -> str:
    """Exit ``code``, no traceback anywhere, and exactly one non-empty 'error:' line on stderr."""
    assert res.exit_code == code, (res.exit_code, res.output)
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, res.stderr
    # besides the error, at most the device note may be printed ("No CUDA GPU found...")
    assert len(lines) <= 2, res.stderr
    for n in needles:
        assert n in errors[0], errors[0]
    assert res.stdout.strip() == ""
    return errors[0]


def dig(d: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        d = d[part]
    return d


# --- questions -----------------------------------------------------------------------------


def test_questions_lists_the_required_phone_screen_ids(runner: CliRunner) -> None:
    res = run(runner, "questions", "--round", "phone-screen")
    assert res.exit_code == 0, res.output
    for qid in REQUIRED_PHONE_SCREEN:
        assert qid in res.stdout
    assert "behavioral/" not in res.stdout


def test_questions_json(runner: CliRunner, track: Track) -> None:
    res = run(runner, "questions", "--round", "phone-screen", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    ids = [r["id"] for r in rows]
    assert set(REQUIRED_PHONE_SCREEN) <= set(ids)
    assert all(r["round"] == "phone-screen" for r in rows)
    assert rows[ids.index(QID)]["prompt"] == track.question(QID)[0].prompt


def test_questions_unknown_round_is_exit_2(runner: CliRunner) -> None:
    assert_one_line_error(run(runner, "questions", "--round", "nope"), 2, "Unknown round 'nope'", "phone-screen")


# --- score --text --------------------------------------------------------------------------

JSON_KEYS = (
    "question.id",
    "transcript.text",
    "transcript.words",
    "transcript.duration_s",
    "delivery.words_per_minute",
    "delivery.fillers_per_minute",
    "delivery.fillers",
    "delivery.long_pauses",
    "delivery.hedges",
    "content.level",
    "content.score",
    "models.rubric_version",
)


def test_score_text_json(runner: CliRunner, track: Track) -> None:
    res = run(runner, "score", "--text", TYPED, "-q", QID, "--json")
    assert res.exit_code == 0, res.output
    card = json.loads(res.stdout)
    for key in JSON_KEYS:
        dig(card, key)  # KeyError names the missing one
    assert card["question"]["id"] == QID
    assert card["transcript"]["text"] == TYPED
    assert card["transcript"]["source"] == "text"
    assert [w["word"] for w in card["transcript"]["words"]] == TYPED.split()
    assert card["delivery"]["words_per_minute"] == 0.0  # no pace for typed answers
    assert card["delivery"]["long_pauses"] == []
    assert 1 <= card["content"]["level"] <= 4
    assert 0 <= card["content"]["score"] <= 100
    criteria = card["content"]["criteria"]
    assert criteria and all("missed" in c and "covered" in c for c in criteria)
    evidence = [ev for c in criteria for p in c["covered"] for ev in p["evidence"]]
    assert evidence, "a decent answer covers something"
    for ev in evidence:
        assert ev["sentence"] in TYPED
        assert ev["matched"]
        assert ev["start"] is None  # a typed answer has no timings to point at
    _, loaded = track.question(QID)
    assert card["models"]["rubric_version"] == loaded.round.version
    assert card["models"]["rubric_sha256"] == loaded.sha256
    assert card["models"]["stt"] is None


def test_score_text_human_readable(runner: CliRunner) -> None:
    res = run(runner, "score", "--text", TYPED, "-q", QID)
    assert res.exit_code == 0, res.output
    assert "underfits" in res.stdout


def test_unknown_question_id_is_exit_2_in_one_line(runner: CliRunner) -> None:
    line = assert_one_line_error(
        run(runner, "score", "--text", TYPED, "-q", "phone-screen/nope"), 2, "Unknown question id 'phone-screen/nope'"
    )
    assert "voice-interviewer questions" in line


def test_empty_typed_answer_is_exit_2(runner: CliRunner) -> None:
    assert_one_line_error(run(runner, "score", "--text", "   ", "-q", QID), 2, "empty")


def test_score_needs_audio_or_text_not_both(runner: CliRunner) -> None:
    assert_one_line_error(run(runner, "score", JFK, "--text", TYPED, "-q", QID), 2, "not both")


def test_score_needs_audio_or_text_not_neither(runner: CliRunner) -> None:
    assert_one_line_error(run(runner, "score", "-q", QID), 2, "not neither")


def test_score_without_question_is_a_usage_error(runner: CliRunner) -> None:
    res = run(runner, "score", "--text", TYPED)
    assert res.exit_code == 2
    assert "--question" in res.output
    assert "Traceback" not in res.output


# --- score <audio>: files that are not usable audio ----------------------------------------


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    # a path that does not exist is a bad argument (exit 2), like Typer's own path checks
    path = tmp_path / "nope.wav"
    assert_one_line_error(run(runner, "score", path, "-q", QID), int(ExitCode.USAGE), str(path), "no such file")


def test_folder_instead_of_a_file(runner: CliRunner, tmp_path: Path) -> None:
    assert_one_line_error(run(runner, "score", tmp_path, "-q", QID), 2, "is a folder")


def test_empty_file_is_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    assert_one_line_error(run(runner, "score", path, "-q", QID), 3, str(path), "empty (0 bytes)")


def test_garbage_with_a_wav_name_is_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "garbage.wav"
    path.write_bytes(np.random.default_rng(0).bytes(50_000))
    line = assert_one_line_error(run(runner, "score", path, "-q", QID), 3, str(path), "could not be read as audio")
    assert "Errno" not in line and line.count(str(path)) == 1  # the decoder's reason, not its error number


def test_wav_cut_in_half_at_the_header_is_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    full = write_wav(tmp_path / "full.wav", jfk_audio()).read_bytes()
    assert full[:4] == b"RIFF" and full[36:40] == b"data"  # a 44-byte header
    path = tmp_path / "cut.wav"
    path.write_bytes(full[:22])
    assert_one_line_error(run(runner, "score", path, "-q", QID), 3, str(path), "could not be read as audio")


def test_wav_with_a_header_and_no_samples_is_exit_3(runner: CliRunner, tmp_path: Path) -> None:
    full = write_wav(tmp_path / "full.wav", jfk_audio()).read_bytes()
    path = tmp_path / "header-only.wav"
    path.write_bytes(full[:44])
    line = assert_one_line_error(run(runner, "score", path, "-q", QID), 3, str(path))
    assert "no audio samples" in line or "could not be read" in line


def test_unknown_question_fails_before_the_audio_is_read(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "garbage.wav"
    path.write_bytes(b"not audio")
    assert_one_line_error(run(runner, "score", path, "-q", "phone-screen/nope"), 2, "Unknown question id")


# --- score <audio> with the real model -----------------------------------------------------


@pytest.mark.slow
def test_silent_wav_is_exit_3_no_speech(runner: CliRunner, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "silent.wav", silence(3.0))
    assert_one_line_error(run(runner, "score", path, "-q", QID), 3, "No speech")


@pytest.mark.slow
def test_jfk_json(runner: CliRunner, jfk_reference: str) -> None:
    res = run(runner, "score", JFK, "-q", QID, "--json")
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    card = json.loads(res.stdout)
    for key in JSON_KEYS:
        dig(card, key)
    t = card["transcript"]
    assert "fellow americans" in t["text"].lower()
    assert t["source"] == "audio"
    assert t["duration_s"] == pytest.approx(11.0, abs=0.05)
    assert len(t["words"]) >= 20
    assert all({"word", "start", "end", "probability"} <= set(w) for w in t["words"])
    d = card["delivery"]
    assert 100 <= d["words_per_minute"] <= 160  # 22 words in about 10.5 s
    assert d["length_verdict"] == "too short"
    assert card["models"]["stt"] == "tiny.en"
    assert card["content"]["level"] == 1  # a speech about citizenship says nothing about bias
    starts = [ev["start"] for c in card["content"]["criteria"] for p in c["covered"] for ev in p["evidence"]]
    assert all(s is not None and 0 <= s <= 11.0 for s in starts)


@pytest.mark.slow
def test_cuda_without_a_gpu_is_exit_5(runner: CliRunner) -> None:
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has a CUDA GPU")
    assert_one_line_error(run(runner, "score", JFK, "-q", QID, "--device", "cuda"), 5, "--device cuda")


@pytest.fixture(scope="session")
def twenty_minute_flac(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 minutes of low noise with the JFK clip at the start, 16 kHz mono FLAC."""
    return write_long_flac(tmp_path_factory.mktemp("long") / "twenty-minutes.flac", 20, jfk_audio())


@pytest.mark.slow
def test_twenty_minute_file(runner: CliRunner, twenty_minute_flac: Path) -> None:
    res = run(runner, "score", twenty_minute_flac, "-q", QID, "--json")
    assert "Traceback" not in res.output
    if res.exit_code != 0:  # refusing it is fine, with one clear line
        assert_one_line_error(res, res.exit_code)
        assert res.exit_code == 3
        return
    card = json.loads(res.stdout)
    assert card["transcript"]["duration_s"] == pytest.approx(1200.0, abs=0.1)
    assert "fellow americans" in card["transcript"]["text"].lower()
    # the answer is the 11 s of speech, not the 20 minutes of room noise after it
    assert card["delivery"]["length_s"] == pytest.approx(card["transcript"]["words"][-1]["end"], abs=1.0)
    assert card["delivery"]["length_s"] < 15 and card["delivery"]["length_verdict"] == "too short"


def test_a_follow_up_generation_is_waited_for_and_never_ends_a_host_process() -> None:
    """The CLI leaves with os._exit only as the program itself; inside a test runner it returns."""
    import threading
    import time

    from voice_interviewer.cli.practice import _exit_now_if_a_generation_runs, _we_are_the_program
    from voice_interviewer.interviewer.followup import GENERATION_THREAD
    from voice_interviewer.session.practice import generation_running

    assert not _we_are_the_program()  # pytest's process, not voice-interviewer
    gen = threading.Thread(target=time.sleep, args=(0.3,), name=GENERATION_THREAD, daemon=True)
    gen.start()
    assert generation_running()  # still generating
    assert not generation_running(wait_s=5.0)  # waited until it finished
    busy = threading.Thread(target=time.sleep, args=(0.5,), name=GENERATION_THREAD, daemon=True)
    busy.start()
    _exit_now_if_a_generation_runs(0)  # returns (this process is not ours to end)
    assert not busy.is_alive()  # and the generation was given its moment to finish


def test_a_transcript_of_only_hesitation_sounds_is_nothing_to_score(track: Track) -> None:
    # French speech through the English-only tiny.en came out as "Uh, ah, ah. Um, ah, ah, ah. Uh, ah."
    # and was scored as an answer of nine fillers
    from tests.fakes import ScriptedEngines, ScriptedTranscriber, timed
    from voice_interviewer import api
    from voice_interviewer.errors import UserError

    eng = ScriptedEngines(ScriptedTranscriber(""), track)
    with pytest.raises(UserError, match="Only hesitation sounds") as e:
        api.score_transcript(eng, timed("Uh, ah, ah. Um, ah, ah, ah. Uh, ah."), QID)  # type: ignore[arg-type]
    assert e.value.code == ExitCode.BAD_INPUT and "English only" in e.value.message
    card = api.score_transcript(eng, timed("Um, bias is, uh, error from a model that is too simple."), QID)  # type: ignore[arg-type]
    assert card.delivery.filler_count >= 2


def test_a_typed_answer_in_another_script_is_refused(runner: CliRunner) -> None:
    # Chinese was scored 0 with "Too short to judge (under 15 words)" and "Length 0 s"
    answer = "偏差是模型过于简单造成的误差，方差是模型对训练数据过于敏感造成的误差。"
    assert_one_line_error(run(runner, "score", "--text", answer, "-q", QID), 3, "English only")
    res = run(runner, "score", "--text", "Bias is error from a model too simple: a naïve café model.", "-q", QID)
    assert res.exit_code == 0, res.output


def test_doctor_tells_a_server_that_does_not_answer_from_a_missing_part(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voice_interviewer.doctor as doctor
    from voice_interviewer.errors import MissingModelError, UserError

    def down() -> str:
        raise UserError("The Chroma server at http://127.0.0.1:9 did not answer.", ExitCode.DEVICE)

    def gone() -> str:
        raise MissingModelError("espeak-ng is missing: run make setup")

    def checks(*parts: doctor.Check) -> None:
        monkeypatch.setattr(doctor, "run_checks", lambda engines: list(parts))

    server = doctor._try("knowledge index (Chroma)", down)
    assert (server.ok, server.unreachable) == (False, True)
    checks(doctor._try("rubrics", lambda: "18 questions"), server)
    res = runner.invoke(app, ["doctor"])
    assert res.exit_code == ExitCode.DEVICE and "no answer" in res.stdout and "missing" not in res.stdout
    checks(server, doctor._try("voice: pyttsx3", gone))
    assert runner.invoke(app, ["doctor"]).exit_code == ExitCode.MISSING_MODEL
    checks(doctor._try("rubrics", lambda: "18 questions"))
    assert runner.invoke(app, ["doctor"]).exit_code == 0
