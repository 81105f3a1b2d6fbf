"""The level gate in front of the speech model: what counts as silence."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_fixtures import silence, white_noise
from voice_interviewer.audio.io import SAMPLE_RATE, is_silent, loudest_dbfs


def test_loudest_half_second_not_the_whole_clip() -> None:
    clip = silence(60.0)
    half = SAMPLE_RATE // 2
    clip[30 * SAMPLE_RATE : 30 * SAMPLE_RATE + half] = white_noise(0.5, -30.0)
    assert loudest_dbfs(clip) == pytest.approx(-30.0, abs=0.5)
    assert not is_silent(clip)  # 0.5 s of sound in a minute: the whole clip's RMS is -51 dBFS


def test_digital_silence_and_the_noise_floor_of_a_quiet_room_are_silent() -> None:
    assert is_silent(np.zeros(0, np.float32))
    assert is_silent(silence(3.0))
    assert is_silent(white_noise(5.0, -75.0))
    assert not is_silent(white_noise(5.0, -55.0))


def test_a_clip_shorter_than_the_window_is_measured_whole() -> None:
    assert loudest_dbfs(np.full(100, 0.1, np.float32)) == pytest.approx(-20.0, abs=0.01)


def test_a_clipped_or_very_quiet_recording_is_named() -> None:
    from tests.audio_fixtures import jfk_audio
    from voice_interviewer.audio.io import level_warnings

    speech = jfk_audio()
    assert level_warnings(speech) == []
    [clipped] = level_warnings(np.clip(speech * 20, -1.0, 1.0))  # amplified 20 times: words garbled
    assert "clipped" in clipped and "input gain" in clipped
    [quiet] = level_warnings(speech * 0.01)  # 40 dB down
    assert "very quiet" in quiet and "dBFS" in quiet
    assert level_warnings(silence(2.0)) == []  # silence gets its own message
