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
