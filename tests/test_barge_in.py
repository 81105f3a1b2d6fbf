"""Barge-in: the watcher's decision and hand-off with fake chunk sources, then the live loop with the
real Silero model, a scripted microphone and a speaker that stops when told."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from tests.audio_fixtures import jfk_audio
from tests.fakes import FakeFollowUps, RecordingUI, ScriptedTranscriber
from voice_interviewer.audio.barge_in import BargeInOptions, LineWatcher, SpeechOnset
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.turn import FRAME, FRAME_S, TurnOptions
from voice_interviewer.cli import app
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import data_home
from voice_interviewer.session.answers import VoiceAnswers
from voice_interviewer.session.loop import SessionDeps, run_session
from voice_interviewer.store.sessions import Session, SessionStore
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import ModelsUsed

CHUNK = SAMPLE_RATE // 10
OPTS = BargeInOptions()


def tone(seconds: float, amp: float = 0.3) -> np.ndarray:
    n = int(seconds * SAMPLE_RATE)
    return (amp * np.sin(2 * np.pi * 220 * np.arange(n) / SAMPLE_RATE)).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), np.float32)


class LoudnessVad:
    """Stands in for Silero: a 512-sample frame is speech when anything in it is not silent (the
    watcher's own level gate then decides whether it is loud enough). Streams like the real one."""

    def __init__(self) -> None:
        self._rest = np.zeros(0, np.float32)

    def probs(self, chunk: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self._rest, chunk])
        n = buf.size // FRAME
        self._rest = buf[n * FRAME :]
        return np.array([0.95 if np.abs(f).max() > 1e-4 else 0.01 for f in buf[: n * FRAME].reshape(n, FRAME)])


class Mic:
    """A microphone whose chunks during the line come at once, and whose chunks after the line wait
    for ``line_over`` (so the test knows the watcher has seen the whole line first)."""

    def __init__(self, during: np.ndarray, after: np.ndarray, fail_after: bool = False) -> None:
        self.during, self.after, self.fail_after = during, after, fail_after
        self.line_seen = threading.Event()
        self.line_over = threading.Event()
        self.clock_calls = 0

    def chunks(self) -> Iterator[np.ndarray]:
        yield from (self.during[i : i + CHUNK] for i in range(0, self.during.size, CHUNK))
        self.line_seen.set()
        self.line_over.wait(10)
        if self.fail_after:
            raise UserError("The microphone stopped delivering audio (unplugged?).", ExitCode.DEVICE)
        yield from (self.after[i : i + CHUNK] for i in range(0, self.after.size, CHUNK))

    def clock(self) -> float:
        """The time at the end of the chunk just read (the chunks are 0.1 s)."""
        self.clock_calls += 1
        return self.clock_calls * CHUNK / SAMPLE_RATE


def watch_line(during: np.ndarray, after: np.ndarray, fail_after: bool = False) -> tuple[LineWatcher, Mic]:
    mic = Mic(during, after, fail_after)
    watch = LineWatcher(mic.chunks(), LoudnessVad(), OPTS, clock=mic.clock)
    assert mic.line_seen.wait(10)
    return watch, mic


def answer_audio(watch: LineWatcher, mic: Mic) -> np.ndarray:
    watch.line_ended()
    mic.line_over.set()
    return np.concatenate(list(watch.handoff()))


def test_speech_during_the_line_stops_it_and_the_answer_keeps_its_first_words() -> None:
    during, after = np.concatenate([quiet(1.0), tone(1.0)]), tone(1.0)
    watch, mic = watch_line(during, after)
    assert watch.heard.is_set()
    assert watch.speech_began_at is not None and watch.heard_at is not None
    assert abs(watch.speech_began_at - 1.0) <= FRAME_S  # the first voiced frame, on the microphone's clock
    assert watch.heard_at - watch.speech_began_at >= OPTS.min_speech_s  # a burst shorter than that would not stop it
    got = answer_audio(watch, mic)
    whole = np.concatenate([during, after])
    start = whole.size - got.size
    assert np.array_equal(got, whole[start:])  # nothing lost or repeated from the pre-roll on
    pre_roll = int(OPTS.pre_roll_s * SAMPLE_RATE)
    assert 1.0 * SAMPLE_RATE - pre_roll - FRAME <= start <= 1.0 * SAMPLE_RATE - pre_roll


def test_a_cough_does_not_stop_the_line_and_the_answer_starts_when_it_ends() -> None:
    during = np.concatenate([quiet(1.0), tone(0.15), quiet(1.0)])
    watch, mic = watch_line(during, tone(0.5))
    assert not watch.heard.is_set() and watch.speech_began_at is None
    got = answer_audio(watch, mic)
    assert np.array_equal(got, tone(0.5))  # the answer starts after the line, as without barge-in


def test_speech_below_the_level_gate_does_not_stop_the_line() -> None:
    during = np.concatenate([quiet(0.5), tone(2.0, amp=OPTS.min_rms)])  # rms = amp / sqrt(2) < min_rms
    watch, mic = watch_line(during, quiet(0.3))
    assert not watch.heard.is_set()
    assert answer_audio(watch, mic).size == quiet(0.3).size


def test_speech_begun_just_before_the_line_ends_is_kept_from_its_start() -> None:
    during = np.concatenate([quiet(1.0), tone(0.2)])  # too short to stop the line before it ends
    watch, mic = watch_line(during, tone(1.0))
    assert not watch.heard.is_set()
    got = answer_audio(watch, mic)
    whole = np.concatenate([during, tone(1.0)])
    assert np.array_equal(got, whole[whole.size - got.size :])
    first_voiced = got.size - (tone(0.2).size + tone(1.0).size)
    assert 0 < first_voiced <= int(OPTS.pre_roll_s * SAMPLE_RATE)  # the pre-roll, then the speech


def test_a_microphone_that_goes_away_fails_the_answer_after_the_audio_so_far() -> None:
    watch, mic = watch_line(np.concatenate([quiet(0.5), tone(1.0)]), quiet(1.0), fail_after=True)
    watch.line_ended()
    mic.line_over.set()
    chunks = watch.handoff()
    kept = next(chunks)
    assert kept.size > 0
    with pytest.raises(UserError, match="microphone"):
        list(chunks)


def test_close_stops_the_stream() -> None:
    stopped = threading.Event()

    def endless() -> Iterator[np.ndarray]:
        while not stopped.is_set():
            yield quiet(0.1)

    watch = LineWatcher(endless(), LoudnessVad(), OPTS, on_close=stopped.set)
    watch.close()
    assert stopped.is_set() and not watch._thread.is_alive()


def onset_after(voiced: list[bool], opts: BargeInOptions = OPTS) -> int | None:
    """The frame at which the onset is decided (None: never)."""
    det = SpeechOnset(opts)
    return next((i for i, v in enumerate(voiced) if det.push(v)), None)


def frames(seconds: float, voiced: bool) -> list[bool]:
    return [voiced] * round(seconds / FRAME_S)


def test_short_gaps_between_syllables_keep_the_run_but_long_ones_end_it() -> None:
    syllables = (frames(0.15, True) + frames(0.1, False)) * 4
    at = onset_after(syllables)
    assert at is not None
    assert sum(syllables[: at + 1]) * FRAME_S >= OPTS.min_speech_s  # voiced time counts, the gaps do not
    bursts = (frames(0.25, True) + frames(0.4, False)) * 6  # words of a distant voice, or taps
    assert onset_after(bursts) is None


# --- the live loop: real Silero on real speech, a scripted microphone, a speaker that stops -------------


class StoppableSpeaker:
    """Plays nothing; a line "sounds" until the line's length passes or ``interrupt`` is set."""

    name = "stoppable"

    def __init__(self, line_s: float) -> None:
        self.line_s = line_s
        self.interrupt: threading.Event | None = None
        self.stopped_after_s: float | None = None
        self.started = threading.Event()  # the first line has begun
        self.said: list[str] = []

    def say(self, text: str, wav_path: Path | None = None) -> None:
        self.said.append(text)
        self.stopped_after_s = None
        self.started.set()
        if self.interrupt is not None and self.interrupt.wait(self.line_s):
            self.stopped_after_s = 0.5  # what a real player reports: how far into the line it stopped


def scripted_microphone(
    speaker: StoppableSpeaker, answer: np.ndarray
) -> Callable[[threading.Event], Iterator[np.ndarray]]:
    """Silence until the interviewer speaks, then the candidate's answer, then silence (at full speed)."""

    def source(stop: threading.Event) -> Iterator[np.ndarray]:
        while not speaker.started.is_set() and not stop.is_set():
            yield quiet(0.1)
        padded = np.concatenate([answer, quiet(4.0)])
        for i in range(0, padded.size, CHUNK):
            if stop.is_set():
                return
            yield padded[i : i + CHUNK]

    return source


def jfk_answers(speaker: StoppableSpeaker, barge_in: bool) -> VoiceAnswers:
    return VoiceAnswers(
        scripted_microphone(speaker, jfk_audio()),
        ScriptedTranscriber("And so my fellow Americans, ask not what your country can do for you."),
        TurnOptions(end_silence_s=1.5),
        barge_in=BargeInOptions() if barge_in else None,
    )


def run_one_question(track: Track, answers: VoiceAnswers, speaker: StoppableSpeaker) -> tuple[Session, Path]:
    store = SessionStore(data_home().ensure())
    deps = SessionDeps(
        store=store,
        track=track,
        embedder=None,
        follow_ups=FakeFollowUps(),
        speaker=speaker,
        answers=answers,
        ui=RecordingUI(),
        models=lambda r: ModelsUsed(rubric_version=r.round.version, rubric_sha256=r.sha256),
    )
    session = Session(id="20261129-120000-phone-screen", created="2026-11-29T12:00:00+00:00",
                      track=track.name, round="phone-screen", mode="voice")  # fmt: skip
    store.create(session)
    run_session(deps, session, ["phone-screen/bias-variance"], follow_ups=0)
    return store.load(session.id), store.folder(session.id)


def test_speaking_over_the_question_stops_it_and_the_answer_is_recorded_from_its_start(track: Track) -> None:
    speaker = StoppableSpeaker(line_s=3.0)
    saved, folder = run_one_question(track, jfk_answers(speaker, barge_in=True), speaker)
    (turn,) = saved.turns
    assert len(speaker.said) == 1  # asked once: the answer was heard, not lost under the question
    assert turn.timings["barged_in_at_s"] == 0.5
    assert turn.timings["barge_in_speech_to_stop_s"] >= 0  # measured from the first voiced frame
    assert turn.ended_by == "silence" and turn.transcript and not turn.transcript.no_speech
    recorded, _ = sf.read(str(folder / "turn-01-answer.wav"), dtype="float32")
    jfk = jfk_audio()
    voiced = np.flatnonzero(np.abs(jfk) > 0.05)
    first_word = jfk[voiced[0] : voiced[0] + SAMPLE_RATE // 2]
    # the candidate's first half second is in the recording (16-bit, so compared at that precision)
    match = np.correlate(recorded[: SAMPLE_RATE * 2], first_word, mode="valid")
    assert match.max() > 0.95 * float(np.dot(first_word, first_word))


def test_without_barge_in_the_line_plays_to_its_end(track: Track) -> None:
    speaker = StoppableSpeaker(line_s=3.0)
    saved, _ = run_one_question(track, jfk_answers(speaker, barge_in=False), speaker)
    (turn,) = saved.turns
    assert "barged_in_at_s" not in turn.timings
    assert speaker.stopped_after_s is None


def test_push_to_talk_turns_barge_in_off() -> None:
    answers = VoiceAnswers(
        lambda stop: iter(()), ScriptedTranscriber(""), TurnOptions(), push_to_talk=True, barge_in=BargeInOptions()
    )
    assert answers.watch_line() is None
    res = CliRunner().invoke(app, ["practice", "--barge-in", "--push-to-talk"])
    assert res.exit_code == ExitCode.USAGE and "--barge-in or --push-to-talk" in res.stderr


class InterruptedSpeaker(StoppableSpeaker):
    def say(self, text: str, wav_path: Path | None = None) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_while_the_interviewer_speaks_closes_the_microphone(track: Track) -> None:
    opened: list[threading.Event] = []

    def source(stop: threading.Event) -> Iterator[np.ndarray]:
        opened.append(stop)
        while not stop.is_set():
            yield quiet(0.1)

    answers = VoiceAnswers(source, ScriptedTranscriber(""), TurnOptions(), barge_in=BargeInOptions())
    with pytest.raises(KeyboardInterrupt):
        run_one_question(track, answers, InterruptedSpeaker(line_s=3.0))
    (stop,) = opened
    assert stop.is_set()  # the stream was stopped, not left reading the microphone
