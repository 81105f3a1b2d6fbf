"""The interviewer's voice: pyttsx3 (default) or the bundled Piper voice (--tts piper)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from voice_interviewer.engines import Engines, Settings
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.tts.piper import NATURAL_WPM, PiperSpeaker, length_scale_for, piper_available
from voice_interviewer.tts.speaker import Pyttsx3Speaker, SilentSpeaker, build_speaker


def test_an_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UserError, match="--tts 'espeak'") as e:
        build_speaker("espeak")
    assert e.value.code == ExitCode.USAGE


def test_the_speaking_rate_sets_piper_s_pace() -> None:
    assert length_scale_for(NATURAL_WPM) == 1.0
    assert length_scale_for(150) > 1.0 > length_scale_for(220)  # slower speech, longer sounds


def _wav_seconds_and_rms(path: Path) -> tuple[float, float]:
    with wave.open(str(path)) as w:
        frames = w.readframes(w.getnframes())
        rate = w.getframerate()
    pcm = np.frombuffer(frames, dtype=np.int16).astype(np.float32) / 32768
    return len(pcm) / rate, float(np.sqrt(np.mean(pcm**2)))


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="piper-tts and the voice package are installed by the set-up")
def test_the_piper_interviewer_renders_each_line_and_its_rate(tmp_path: Path) -> None:
    line = "Walk me through how you would detect a drop in recommendation quality."
    normal = PiperSpeaker(rate=NATURAL_WPM, play=False)
    slow = PiperSpeaker(rate=120, play=False)
    normal.say(line, tmp_path / "a.wav")
    slow.say(line, tmp_path / "b.wav")
    sec_a, rms_a = _wav_seconds_and_rms(tmp_path / "a.wav")
    sec_b, _ = _wav_seconds_and_rms(tmp_path / "b.wav")
    words = len(line.split())
    assert 40 < words / sec_a * 60 < 400  # speech at a human pace, not a click or minutes of noise
    assert rms_a > 0.01
    assert sec_b > sec_a * 1.2


@pytest.mark.slow
def test_engines_build_the_configured_interviewer_voice() -> None:
    notes: list[str] = []
    piper = Engines(Settings(tts="piper")).interviewer_voice(play=False, notify=notes.append)
    pyttsx = Engines(Settings()).interviewer_voice(play=False, notify=notes.append)
    assert isinstance(piper, PiperSpeaker if piper_available() else SilentSpeaker)
    assert isinstance(pyttsx, Pyttsx3Speaker | SilentSpeaker)
    if isinstance(pyttsx, SilentSpeaker):
        assert notes  # told why the lines are text only


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="piper-tts and the voice package are installed by the set-up")
def test_seeded_piper_speech_does_not_depend_on_what_was_synthesized_before() -> None:
    from tests.audio_fixtures import piper_speech

    first = piper_speech("Split the data by time.", seed=3)
    piper_speech("Something else, to move the voice's generator on.")
    again = piper_speech("Split the data by time.", seed=3)
    other = piper_speech("Split the data by time.", seed=4)
    assert np.array_equal(first, again)
    assert not (first.shape == other.shape and np.array_equal(first, other))
