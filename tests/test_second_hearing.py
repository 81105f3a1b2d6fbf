"""The second hearing of an answer's last words at a pause (stt/ear.py) and how the end of the turn uses it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tests.test_turn import SlowPieces
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.turn import FRAME, text_hangs_for_sure, words_verdict
from voice_interviewer.session.answers import _PrepareAtPauses
from voice_interviewer.stt.ear import WINDOW_S, SecondHearing
from voice_interviewer.stt.incremental import IncrementalTranscriber

if TYPE_CHECKING:
    from voice_interviewer.engines import Engines
    from voice_interviewer.paths import DataHome


@pytest.mark.parametrize(
    ("hearings", "verdict"),
    [
        (["We add session context such as device.", "such as device and"], (False, True)),  # a dropped "and"
        (["training on the past and validating on them.", "validating on the"], (False, True)),
        (["I would start with a baseline.", "start with a baseline."], (True, False)),
        (["I would start with a baseline.", "start with a baseline"], (True, False)),  # no full stop: fine
        (["I would start with a baseline.", ""], (True, False)),  # a hearing without words says nothing
        (["", ""], (None, False)),
        (["It depends on the data.", "it depends on the data, so..."], (False, True)),  # trailing off
        (["The first thing I check is that.", "the first thing I check is"], (False, False)),  # dangling, not sure
        (["the score you get is the accuracy of.", "the score you get is the accuracy of."], (False, False)),
        (["So I would start with the", "so I would start with the data"], (False, True)),  # the transcript hangs
    ],
)
def test_words_hang_when_any_hearing_leaves_them_hanging(
    hearings: list[str], verdict: tuple[bool | None, bool]
) -> None:
    assert words_verdict(hearings) == verdict


class GatedEar:
    """Fake second ear: says what it is told, the first clip only once released."""

    def __init__(self, fail: bool = False) -> None:
        self.gate = threading.Event()
        self.clips: list[float] = []
        self.fail = fail

    def text_of(self, audio: np.ndarray) -> str:
        if not self.clips:
            self.gate.wait(5)
        self.clips.append(audio.size / SAMPLE_RATE)
        if self.fail:
            raise RuntimeError("model crashed")
        return f"heard {len(self.clips)} and"


def test_a_newer_clip_replaces_one_not_yet_heard() -> None:
    ear = GatedEar()
    second = SecondHearing(ear)
    second.hear(1, np.zeros(SAMPLE_RATE, np.float32))  # being heard (held at the gate)
    second.hear(2, np.zeros(2 * SAMPLE_RATE, np.float32))  # waits: replaced by the next
    second.hear(3, np.zeros(3 * SAMPLE_RATE, np.float32))
    assert second.heard(3, 0.05) is None  # not ready yet
    ear.gate.set()
    assert second.heard(3, 5) == "heard 2 and"
    assert second.heard(2) == ""  # the replaced clip's words are not taken for another cut's
    assert ear.clips == [1.0, 3.0]
    second.close()


def test_speech_coming_back_forgets_the_clip_and_a_failed_hearing_is_no_opinion() -> None:
    ear = GatedEar(fail=True)
    ear.gate.set()
    second = SecondHearing(ear)
    second.hear(7, np.zeros(SAMPLE_RATE, np.float32))
    assert second.heard(7, 5) == ""
    second.forget()
    assert second.heard(7) == ""
    second.close()


def test_the_words_at_a_likely_end_are_both_hearings_of_the_last_seconds_once_both_are_in() -> None:
    ear = GatedEar()
    inc = IncrementalTranscriber(SlowPieces())
    listener = _PrepareAtPauses(inc, None, SecondHearing(ear))
    chunk = np.zeros(FRAME * 10, np.float32)
    speech, quiet = np.full(10, 0.9, np.float32), np.full(10, 0.0, np.float32)
    for probs in [speech] * 30 + [quiet]:  # 10 s of speech, then a pause
        inc.feed(chunk, probs)
    listener.possible_end(31 * chunk.size)
    assert listener.words(5) == ["w1", ""]  # a pause that does not sound like the end: one hearing
    listener.likely_end(31 * chunk.size)  # it does: heard again
    assert listener.words(0.3) is None  # the first hearing is in, the second not yet
    ear.gate.set()
    assert listener.words(5) == ["w1", "heard 1 and"]
    assert ear.clips == [WINDOW_S]  # the last seconds only, not the whole answer
    inc.finish()


FRAGMENTS = [  # what a speaker says before a thinking pause
    "Then I would add session context such as the device, and",
    "I would train on the past and validate on the",
    "The first thing I would check is the",
    "We compared the two models and",
    "My manager asked me to look at the",
    "The metric we cared about was retention, but",
]


def _at_a_pause(text: str) -> np.ndarray:
    """espeak-ng (deterministic, unlike Piper) saying ``text``, then the 0.25 s of silence of a possible end."""
    from voice_interviewer.tts.speaker import _to_16k, espeak_wav

    audio = _to_16k(espeak_wav(text))
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return np.concatenate([audio[loud[0] : loud[-1] + 1], np.zeros(int(0.25 * SAMPLE_RATE), np.float32)])


@pytest.mark.slow
def test_the_second_ear_hears_the_word_a_fragment_hangs_on(real_engines: Engines) -> None:
    ear = real_engines.ear
    assert ear is not None and ear.name == "base"
    heard = [ear.text_of(_at_a_pause(f)) for f in FRAGMENTS]
    assert all(text_hangs_for_sure(h) for h in heard), heard  # tiny.en tidied two of these into sentences
    done = ear.text_of(_at_a_pause("Then I would add session context such as the device."))
    assert "device" in done.lower() and words_verdict(["The device.", done]) == (True, False)
    assert ear.text_of(np.zeros(2 * SAMPLE_RATE, np.float32)) == ""  # silence: no words invented


def test_without_the_base_model_the_turn_is_judged_from_one_hearing_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import voice_interviewer.engines as engines_mod
    from voice_interviewer.engines import Engines
    from voice_interviewer.errors import MissingModelError
    from voice_interviewer.paths import data_home

    def missing(model: str, *a: object, **kw: object) -> object:
        raise MissingModelError(f"The speech model {model} is not installed (the whisper-base package provides it).")

    monkeypatch.setattr(engines_mod, "build_transcriber", missing)
    notes: list[str] = []
    eng = Engines(notify=notes.append, home=data_home({"VOICE_INTERVIEWER_HOME": str(tmp_path)}).ensure())
    tiny = SlowPieces()  # stands for the answer's model, not loaded here
    tiny.name = "tiny.en"
    tiny.device = "cpu"  # type: ignore[attr-defined]
    eng.__dict__["transcriber"] = tiny
    assert eng.ear is None
    assert len(notes) == 1 and "base" in notes[0] and "one hearing" in notes[0]


@pytest.mark.slow
def test_the_cpu_fallback_is_said_once_for_both_speech_models(
    monkeypatch: pytest.MonkeyPatch, stt_home: DataHome
) -> None:
    """--device auto on a machine without a GPU: the answer's model and the second hearing's both run
    on the CPU, and the user reads that once."""
    import voice_interviewer.stt.placement as placement
    from voice_interviewer.engines import Engines, Settings

    monkeypatch.setattr(placement, "cuda_device_count", lambda: 0)
    notes: list[str] = []
    eng = Engines(Settings(stt_model="tiny.en", device="auto"), notify=notes.append, home=stt_home)
    assert eng.transcriber.device == "cpu"
    ear = eng.ear
    assert ear is not None and ear.name == "base"
    assert notes == ["No CUDA GPU found: transcribing on the CPU."]
