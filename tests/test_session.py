"""The whole interview: scripted answers in, the interviewer's words and the scorecards out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from tests.fakes import FakeFollowUps, RecordingUI, ScriptedAnswers
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.interviewer.prompt import GENERIC_PROBES
from voice_interviewer.paths import data_home
from voice_interviewer.session.loop import AGAIN, MOVING_ON, SessionDeps, plan_questions, run_session
from voice_interviewer.session.practice import recover_crashed
from voice_interviewer.store.sessions import SCHEMA_VERSION, Session, SessionStore, Turn
from voice_interviewer.track.rubric import Track
from voice_interviewer.tts.speaker import SilentSpeaker
from voice_interviewer.types import ModelsUsed

STRONG_BV = (
    "Bias is the error from assumptions that are too simple, so the model underfits. Variance is sensitivity to "
    "the training sample, so the model overfits noise. Making the model more complex lowers bias but raises "
    "variance. I compare training and validation error to tell them apart, and I add regularization for variance."
)


def deps_for(
    track: Track, answers: ScriptedAnswers, speaker: SilentSpeaker | None = None, follow: FakeFollowUps | None = None
) -> tuple[SessionDeps, SessionStore]:
    store = SessionStore(data_home().ensure())
    deps = SessionDeps(
        store=store,
        track=track,
        embedder=None,
        follow_ups=follow or FakeFollowUps(),
        speaker=speaker or SilentSpeaker(),
        answers=answers,
        ui=RecordingUI(),
        models=lambda r: ModelsUsed(rubric_version=r.round.version, rubric_sha256=r.sha256),
    )
    return deps, store


def new_session(store: SessionStore) -> Session:
    s = Session(
        id="20261127-120000-phone-screen",
        created="2026-11-27T12:00:00+00:00",
        track="netflix-mle",
        round="phone-screen",
        mode="text",
    )
    store.create(s)
    return s


def test_session_asks_follows_up_scores_and_saves_every_turn(track: Track) -> None:
    answers = ScriptedAnswers(
        [
            STRONG_BV,
            "I would tune it with cross validation on a validation set.",
            "Precision is about false positives.",
            "I would look at the costs.",
        ]
    )
    deps, store = deps_for(track, answers)
    session = new_session(store)
    plan = ["phone-screen/bias-variance", "phone-screen/precision-recall"]
    run_session(deps, session, plan, follow_ups=1)

    saved = store.load(session.id)
    assert saved.status == "complete"
    assert [t.kind for t in saved.turns] == ["question", "follow-up", "question", "follow-up"]
    assert answers.prompts[0] == track.question(plan[0])[0].prompt
    assert answers.prompts[1] == "How would you pick the regularization strength?"
    assert all(t.scorecard is not None for t in saved.turns)
    assert saved.turns[0].scorecard and saved.turns[0].scorecard.content.score >= 60
    assert set(saved.summary["questions"]) == set(plan)
    assert len(saved.summary["work_on"]) == 2
    ui = deps.ui
    assert isinstance(ui, RecordingUI)
    assert [e for e in ui.events if e[0] == "scorecard"] == [("scorecard", plan[0]), ("scorecard", plan[1])]
    assert isinstance(deps.follow_ups, FakeFollowUps) and deps.follow_ups.warmed == plan
    # each scorecard shown is the follow-up answer's; the question's level over both answers is said beside it
    notes = [m for kind, m in ui.events if kind == "info" and "whole exchange" in m]
    levels = [saved.summary["questions"][q]["level"] for q in plan]
    assert [f"is at level {lv}," in m for m, lv in zip(notes, levels, strict=True)] == [True, True]


def test_silence_asks_again_then_moves_on(track: Track) -> None:
    speaker = SilentSpeaker()
    answers = ScriptedAnswers(["", "", STRONG_BV])
    deps, store = deps_for(track, answers, speaker)
    session = new_session(store)
    run_session(deps, session, ["phone-screen/precision-recall", "phone-screen/bias-variance"], follow_ups=0)
    saved = store.load(session.id)
    assert [t.ended_by for t in saved.turns] == ["no-speech", "no-speech", "typed"]
    assert AGAIN in speaker.said and MOVING_ON in speaker.said
    assert saved.turns[2].question_id == "phone-screen/bias-variance"
    assert saved.status == "complete"


def test_hesitation_sounds_alone_are_asked_again_not_scored(track: Track) -> None:
    speaker = SilentSpeaker()
    answers = ScriptedAnswers(["Um, uh, ah.", STRONG_BV])
    deps, store = deps_for(track, answers, speaker)
    session = new_session(store)
    run_session(deps, session, ["phone-screen/bias-variance"], follow_ups=0)
    saved = store.load(session.id)
    assert [t.scorecard is None for t in saved.turns] == [True, False]
    assert AGAIN in speaker.said and answers.prompts[1] == answers.prompts[0]
    assert saved.turns[0].transcript and saved.turns[0].transcript.text == "Um, uh, ah."  # kept, as heard
    assert isinstance(deps.ui, RecordingUI) and ("info", "Only ah, uh, um typed; asking again.") in deps.ui.events


def test_ctrl_c_mid_answer_keeps_audio_and_the_session_resumes(track: Track) -> None:
    answers = ScriptedAnswers([STRONG_BV, KeyboardInterrupt()])
    deps, store = deps_for(track, answers)
    session = new_session(store)
    plan = ["phone-screen/bias-variance", "phone-screen/precision-recall"]
    with pytest.raises(KeyboardInterrupt):
        run_session(deps, session, plan, follow_ups=0)
    saved = store.load(session.id)
    assert saved.status == "interrupted"
    assert saved.turns[0].scorecard is not None
    assert saved.turns[1].ended_by == "interrupted"
    assert (store.folder(session.id) / str(saved.turns[1].answer_audio)).is_file()

    assert saved.turns[1].status == "interrupted"
    cut_audio = (store.folder(session.id) / "turn-02-answer.wav").read_bytes()

    deps.answers = ScriptedAnswers(["Precision is the share of predicted positives that are right."])
    resumed = store.load(session.id)
    run_session(deps, resumed, list(resumed.summary["plan"]), follow_ups=0)
    final = store.load(session.id)
    assert final.status == "complete"
    # the cut-short answer keeps its turn and its audio; the question is asked again in a new turn
    assert [(t.index, t.question_id, t.status) for t in final.turns] == [
        (1, plan[0], "answered"),
        (2, plan[1], "interrupted"),
        (3, plan[1], "answered"),
    ]
    assert (store.folder(session.id) / "turn-02-answer.wav").read_bytes() == cut_audio


def test_crashed_session_is_recovered_on_the_next_run(track: Track) -> None:
    store = SessionStore(data_home().ensure())
    session = new_session(store)
    pcm = store.folder(session.id) / "turn-01-answer.pcm"
    pcm.write_bytes((np.ones(16000 * 3, dtype="<i2") * 500).tobytes())
    (store.folder(session.id) / ".prepared").mkdir()
    (store.folder(session.id) / ".prepared" / "prepared-001.wav").write_bytes(b"RIFF")  # a line never said
    notes: list[str] = []
    assert recover_crashed(store, notes.append) == [session.id]
    assert store.load(session.id).status == "interrupted"
    assert sf.info(str(pcm.with_suffix(".wav"))).frames == 16000 * 3
    assert "--resume" in notes[0]
    assert not (store.folder(session.id) / ".prepared").exists()


def test_session_json_is_written_atomically(track: Track) -> None:
    store = SessionStore(data_home().ensure())
    session = new_session(store)
    folder = store.folder(session.id)
    store.save(session)
    assert json.loads((folder / "session.json").read_text())["schema_version"] == SCHEMA_VERSION
    assert not list(folder.glob(".session.json.*"))


def test_session_ids_are_validated() -> None:

    store = SessionStore(data_home().ensure())
    for bad in ("../../etc", "20261127-120000-../x", ""):
        with pytest.raises(UserError):
            store.folder(bad)


def test_plan_rotates_but_stays_within_the_round(track: Track) -> None:
    a = plan_questions(track, "phone-screen", 3, seed=0)
    b = plan_questions(track, "phone-screen", 3, seed=1)
    assert a != b and len(a) == 3
    assert all(q.startswith("phone-screen/") for q in a + b)


# --- real engines ----------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_session_end_to_end_with_real_models(track: Track) -> None:
    """Real Piper speech through the capture path, real Whisper, real Chroma, the real local LLM."""
    from voice_interviewer.cli import app

    result = CliRunner().invoke(
        app, ["practice", "--demo", "--questions", "1", "--follow-ups", "1", "--quiet", "--llm-timeout", "120"]
    )
    assert result.exit_code == 0, result.output
    store = SessionStore(data_home())
    (sid,) = store.list_ids()
    s = store.load(sid)
    assert s.status == "complete" and s.mode == "demo"
    assert [t.kind for t in s.turns] == ["question", "follow-up"]
    follow = s.turns[1]
    assert follow.interviewer_text.endswith("?")
    # The follow-up says where it came from, and that is true: the model's own line was accepted (no
    # reason recorded), or the rubric's probe was asked with the reason the model's line was not used.
    q, _ = track.question(s.turns[0].question_id)
    probes = {k.follow_up for _, k in q.points()} | set(GENERIC_PROBES)
    if follow.follow_up_source == "rubric":
        assert follow.follow_up_reason and follow.interviewer_text in probes
    else:
        assert follow.follow_up_source == "llm" and follow.follow_up_reason is None
    for t in s.turns:
        assert t.transcript and len(t.transcript.words) > 20
        assert t.scorecard is not None
        assert (store.folder(sid) / str(t.answer_audio)).is_file()
        assert t.interviewer_audio and (store.folder(sid) / t.interviewer_audio).is_file()
    assert "Recording:" in result.output


ASOUNDRC = """
pcm.!default {{
    type plug
    slave {{ pcm "answerfile"; format S16_LE; rate 16000; channels 1 }}
}}
pcm.answerfile {{
    type file
    slave.pcm "nullpcm"
    file "/dev/null"
    infile "{raw}"
    format "raw"
}}
pcm.nullpcm {{ type null }}
"""


@pytest.mark.slow
@pytest.mark.audio
def test_real_portaudio_capture_from_a_virtual_alsa_microphone(tmp_path: Path) -> None:
    """The real sounddevice/PortAudio path: ALSA's file plugin plays a recording as the microphone."""
    from tests.conftest import JFK

    if not shutil.which("aplay"):
        pytest.skip("alsa-utils is not installed (make setup installs it)")
    raw = tmp_path / "answer.raw"
    audio, _ = sf.read(str(JFK), dtype="int16")
    raw.write_bytes(np.concatenate([audio, np.zeros(16000 * 20, np.int16)]).astype("<i2").tobytes())
    (tmp_path / ".asoundrc").write_text(ASOUNDRC.format(raw=raw))
    env = {**os.environ, "HOME": str(tmp_path)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "voice_interviewer.cli",
            "practice",
            "--questions",
            "1",
            "--follow-ups",
            "0",
            "--llm-timeout",
            "30",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = SessionStore(data_home())
    (sid,) = store.list_ids()
    s = store.load(sid)
    assert s.mode == "voice"
    text = s.turns[0].transcript.text.lower() if s.turns[0].transcript else ""
    assert "fellow americans" in text and "country" in text
    assert (store.folder(sid) / "turn-01-answer.wav").is_file()


def test_a_microphone_that_goes_away_mid_answer_leaves_a_resumable_session(track: Track) -> None:

    gone = UserError(
        "The microphone stopped delivering audio (unplugged?). The answer so far is saved.", ExitCode.DEVICE
    )
    answers = ScriptedAnswers([STRONG_BV, gone])
    deps, store = deps_for(track, answers)
    session = new_session(store)
    with pytest.raises(UserError):
        run_session(deps, session, ["phone-screen/bias-variance", "phone-screen/precision-recall"], follow_ups=0)
    saved = store.load(session.id)
    assert saved.status == "interrupted"
    assert saved.turns[0].scorecard is not None
    assert saved.turns[1].ended_by == "interrupted" and saved.turns[1].answer_audio


# --- nothing lost: turns on disk from their start, recovery, resume, typed input that ends ----------


class PeekingAnswers:
    """Reads session.json while the answer is being given (as a crash at that moment would leave it)."""

    mode = "text"

    def __init__(self, store: SessionStore, session_id: str) -> None:
        self.store, self.session_id = store, session_id
        self.seen: list[tuple[int, str, str | None]] = []

    def answer(self, question, kind, prompt, wav_path, target, prepare=None):
        on_disk = self.store.load(self.session_id).turns[-1]
        self.seen.append((on_disk.index, on_disk.status, on_disk.interviewer_text))
        return ScriptedAnswers([STRONG_BV]).answer(question, kind, prompt, wav_path, target)


def test_a_turn_is_on_disk_while_its_answer_is_given(track: Track) -> None:
    deps, store = deps_for(track, ScriptedAnswers([]))
    session = new_session(store)
    deps.answers = peek = PeekingAnswers(store, session.id)
    plan = ["phone-screen/bias-variance"]
    run_session(deps, session, plan, follow_ups=1)
    prompt = track.question(plan[0])[0].prompt
    assert peek.seen[0] == (1, "in-progress", prompt)
    assert peek.seen[1][:2] == (2, "in-progress")
    assert [t.status for t in store.load(session.id).turns] == ["answered", "answered"]


def test_a_crash_mid_answer_is_recovered_into_its_turn_replayed_and_rescored(track: Track) -> None:
    from voice_interviewer.review.records import open_session
    from voice_interviewer.review.replay import replay_plan
    from voice_interviewer.review.rescore import RescoreOptions, plan_batch

    deps, store = deps_for(track, ScriptedAnswers([STRONG_BV]))
    session = new_session(store)
    plan = ["phone-screen/bias-variance", "phone-screen/precision-recall"]
    # what a kill -9 during the second answer leaves: the turn saved as in-progress, raw audio growing
    run_session(deps, session, plan[:1], follow_ups=0)
    crashed = store.load(session.id)
    crashed.status = "in-progress"
    crashed.summary["plan"] = plan
    crashed.turns.append(
        Turn(index=2, question_id=plan[1], kind="question", interviewer_text="Q?", status="in-progress")
    )
    store.save(crashed)
    folder = store.folder(session.id)
    (folder / "turn-02-answer.pcm").write_bytes((np.ones(16000 * 2, dtype="<i2") * 300).tobytes())

    notes: list[str] = []
    assert recover_crashed(store, notes.append) == [session.id]
    assert f"--resume {session.id}" in notes[0]
    turn = store.load(session.id).turns[1]
    assert (turn.status, turn.ended_by, turn.answer_audio) == ("interrupted", "crash", "turn-02-answer.wav")
    assert sf.info(str(folder / "turn-02-answer.wav")).frames == 16000 * 2

    steps = replay_plan(open_session(store, session.id))
    assert [(s.turn, s.speaker) for s in steps if s.audio is not None][-1] == (2, "candidate")
    _, jobs = plan_batch(store, [session.id], RescoreOptions())
    assert 2 in [j.turn.index for j in jobs]

    # resume: the cut-short question is asked again in turn 3; turn 2 and its audio stay
    audio = (folder / "turn-02-answer.wav").read_bytes()
    deps.answers = ScriptedAnswers(["Precision is the share of predicted positives that are right."])
    resumed = store.load(session.id)
    run_session(deps, resumed, plan, follow_ups=0)
    final = store.load(session.id)
    assert [(t.index, t.status) for t in final.turns] == [(1, "answered"), (2, "interrupted"), (3, "answered")]
    assert final.status == "complete" and (folder / "turn-02-answer.wav").read_bytes() == audio


def test_recovery_leaves_a_session_that_a_live_process_owns(track: Track) -> None:
    from voice_interviewer.store.lock import SessionLock

    store = SessionStore(data_home().ensure())
    session = new_session(store)
    pcm = store.folder(session.id) / "turn-01-answer.pcm"
    pcm.write_bytes(b"\1\0" * 1600)
    with SessionLock(store.folder(session.id)).acquire(session.id):
        assert recover_crashed(store, lambda m: None) == []
        assert pcm.is_file() and store.load(session.id).status == "in-progress"
    assert recover_crashed(store, lambda m: None) == [session.id]
    assert not pcm.is_file()


def test_typed_input_that_ends_keeps_the_answer_and_stops(track: Track) -> None:
    import io

    from voice_interviewer.session.answers import TextAnswers
    from voice_interviewer.session.loop import InputEnded
    from voice_interviewer.session.typed import TypedAnswerReader, binary_line_reader

    piped = io.BytesIO(b"Bias is error from a model that is too simple; the na\xefve one underfits.")
    deps, store = deps_for(track, ScriptedAnswers([]))
    deps.answers = TextAnswers(TypedAnswerReader(binary_line_reader(piped)))
    session = new_session(store)
    with pytest.raises(InputEnded):
        run_session(deps, session, ["phone-screen/bias-variance", "phone-screen/precision-recall"], follow_ups=1)
    saved = store.load(session.id)
    assert saved.status == "interrupted"
    [turn] = saved.turns  # no follow-up was asked into the void
    assert (turn.status, turn.ended_by) == ("answered", "end-of-input")
    assert turn.transcript is not None and "na\ufffdve" in turn.transcript.text and turn.scorecard is not None


def test_ctrl_c_while_typing_keeps_the_lines_typed_so_far(track: Track) -> None:
    from voice_interviewer.session.answers import TextAnswers
    from voice_interviewer.session.typed import TypedAnswerReader

    lines: list[object] = ["Bias is error from a model that is too simple.", KeyboardInterrupt()]

    def read_line(prompt: str) -> str:
        item = lines.pop(0)
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, str)
        return item

    deps, store = deps_for(track, ScriptedAnswers([]))
    deps.answers = TextAnswers(TypedAnswerReader(read_line))
    session = new_session(store)
    with pytest.raises(KeyboardInterrupt):
        run_session(deps, session, ["phone-screen/bias-variance"], follow_ups=0)
    [turn] = store.load(session.id).turns
    assert turn.status == "interrupted" and turn.transcript is not None
    assert turn.transcript.text == "Bias is error from a model that is too simple."


def test_typed_input_that_ends_on_the_last_answer_completes_the_session(track: Track) -> None:
    import io

    from voice_interviewer.session.answers import TextAnswers
    from voice_interviewer.session.typed import TypedAnswerReader, binary_line_reader

    deps, store = deps_for(track, ScriptedAnswers([]))
    deps.answers = TextAnswers(TypedAnswerReader(binary_line_reader(io.BytesIO(STRONG_BV.encode()))))
    session = new_session(store)
    run_session(deps, session, ["phone-screen/bias-variance"], follow_ups=0)
    assert store.load(session.id).status == "complete"
