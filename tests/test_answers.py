"""Answer providers: Enter and a typed "done" end an answer; dropped microphone audio is reported."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tests.fakes import PieceTranscriber
from voice_interviewer.audio.turn import TurnOptions
from voice_interviewer.session.answers import SWITCH_INTERVAL_S, KeyboardLines, TextAnswers, VoiceAnswers
from voice_interviewer.track.rubric import Track


class ScriptedKeys:
    """Stands in for the terminal: lines are fed by the test; "" ends input."""

    def __init__(self) -> None:
        self.q: queue.Queue[str] = queue.Queue()

    def readline(self) -> str:
        return self.q.get()


def endless_noise(stop: threading.Event) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(0)
    while not stop.is_set():
        time.sleep(0.01)
        yield (0.05 * rng.standard_normal(1600)).astype(np.float32)


def test_enter_and_done_end_an_answer(tmp_path: Path, track: Track) -> None:
    keys = ScriptedKeys()
    keyboard = KeyboardLines(keys.readline)
    q, _ = track.question("phone-screen/bias-variance")
    answers = VoiceAnswers(endless_noise, PieceTranscriber(), TurnOptions(start_timeout_s=60), keyboard=keyboard)
    for typed, reason in (("\n", "enter"), ("done\n", "done")):
        threading.Timer(0.3, keys.q.put, args=(typed,)).start()
        ans = answers.answer(q, "question", q.prompt, tmp_path / f"{reason}.wav", (45, 90))
        assert ans.ended_by == reason
        assert (tmp_path / f"{reason}.wav").is_file()
    keys.q.put("")


def test_listening_keeps_the_interpreter_handing_threads_the_lock_often(tmp_path: Path, track: Track) -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # Python's default
    try:
        keys = ScriptedKeys()
        q, _ = track.question("phone-screen/bias-variance")
        answers = VoiceAnswers(
            endless_noise, PieceTranscriber(), TurnOptions(start_timeout_s=60), keyboard=KeyboardLines(keys.readline)
        )
        threading.Timer(0.2, keys.q.put, args=("\n",)).start()
        answers.answer(q, "question", q.prompt, tmp_path / "a.wav", (45, 90))
        keys.q.put("")
        assert sys.getswitchinterval() <= SWITCH_INTERVAL_S  # the capture thread waits at most ~1 ms for the lock
    finally:
        sys.setswitchinterval(before)


def test_keys_pressed_while_the_interviewer_spoke_do_not_end_the_answer(tmp_path: Path, track: Track) -> None:
    keys = ScriptedKeys()
    keyboard = KeyboardLines(keys.readline)
    keys.q.put("\n")  # pressed before the answer started
    time.sleep(0.1)
    q, _ = track.question("phone-screen/bias-variance")
    answers = VoiceAnswers(endless_noise, PieceTranscriber(), TurnOptions(start_timeout_s=1.0), keyboard=keyboard)
    ans = answers.answer(q, "question", q.prompt, tmp_path / "a.wav", (45, 90))
    assert ans.ended_by == "no-speech"  # ended by the start timeout, not by the stale Enter
    keys.q.put("")


def test_dropped_microphone_audio_is_reported(tmp_path: Path, track: Track) -> None:
    counter = {"n": 0}

    def overflowing(stop: threading.Event) -> Iterator[np.ndarray]:
        for chunk in endless_noise(stop):
            counter["n"] += 1
            yield chunk

    notes: list[str] = []
    q, _ = track.question("phone-screen/bias-variance")
    answers = VoiceAnswers(
        overflowing,
        PieceTranscriber(),
        TurnOptions(start_timeout_s=0.5),
        overflows=lambda: counter["n"] // 2,
        notify=notes.append,
    )
    ans = answers.answer(q, "question", q.prompt, tmp_path / "a.wav", (45, 90))
    assert ans.timings["input_overflows"] > 0
    assert notes and "input overflow" in notes[0]


def test_typed_answers(track: Track, tmp_path: Path) -> None:
    q, _ = track.question("phone-screen/bias-variance")
    answers = TextAnswers(lambda prompt: "Variance is sensitivity to the sample.")
    ans = answers.answer(q, "question", q.prompt, tmp_path / "x.wav", (45, 90))
    assert ans.ended_by == "typed" and ans.transcript.source == "text" and len(ans.transcript.words) == 6
    empty = TextAnswers(lambda prompt: "  ").answer(q, "question", q.prompt, tmp_path / "y.wav", (45, 90))
    assert empty.transcript.no_speech and empty.ended_by == "no-speech"
