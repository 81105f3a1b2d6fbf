"""The real bundled tiny.en model on real, synthesized, silent, noisy and resampled audio."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from tests.audio_fixtures import jfk_audio, normalize, rms_dbfs, silence, wer, white_noise, write_stereo_44k
from tests.conftest import JFK
from voice_interviewer.audio.io import SAMPLE_RATE, load_audio
from voice_interviewer.stt.transcriber import Transcriber
from voice_interviewer.types import Transcript

pytestmark = pytest.mark.slow  # every test here loads the real model (or belongs with those that do)

ANSWER_BANK = (
    "Bias is error from a model that is too simple. Variance is error from a model that is too sensitive "
    "to the training data. Regularization lowers the variance."
)


def test_wer_helper() -> None:
    assert wer("a b c d", "a b c d") == 0.0
    assert wer("a b c d", "A, b. c d!") == 0.0
    assert wer("a b c d", "a x c d") == 0.25  # substitution
    assert wer("a b c d", "a c d") == 0.25  # deletion
    assert wer("a b c d", "a b b c d") == 0.25  # insertion
    assert wer("a b", "") == 1.0


@pytest.fixture(scope="module")
def jfk(transcriber: Transcriber) -> Transcript:
    return transcriber.transcribe(load_audio(JFK))


def test_model_is_the_bundled_tiny_en(transcriber: Transcriber) -> None:
    assert transcriber.name == "tiny.en"
    assert transcriber.sha256 == "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
    assert transcriber.supports_word_timings


def test_real_speech_word_error_rate(jfk: Transcript, jfk_reference: str) -> None:
    assert not jfk.no_speech
    assert wer(jfk_reference, jfk.text) <= 0.15, jfk.text
    assert "fellow americans" in " ".join(normalize(jfk.text))


def test_word_timings_are_monotonic_and_within_the_audio(jfk: Transcript, jfk_reference: str) -> None:
    assert jfk.duration_s == pytest.approx(11.0, abs=0.05)
    words = jfk.words
    assert abs(len(words) - len(normalize(jfk_reference))) <= 2
    for w in words:
        assert 0.0 <= w.start <= w.end <= jfk.duration_s, w
        assert 0.0 <= w.probability <= 1.0, w
        assert w.word == w.word.strip() and w.word
    for a, b in pairwise(words):
        assert a.start <= b.start and a.end <= b.end, (a, b)
    assert words[0].start < 1.0
    assert words[-1].end > 9.5
    # the words are the text
    assert normalize(" ".join(w.word for w in words)) == normalize(jfk.text)


def test_digital_silence_is_no_speech(transcriber: Transcriber) -> None:
    t = transcriber.transcribe(silence(5.0))
    assert t.no_speech
    assert t.words == ()
    assert t.text == ""
    assert t.duration_s == 5.0


def test_white_noise_invents_no_words(transcriber: Transcriber) -> None:
    noise = white_noise(5.0, -30.0)
    assert rms_dbfs(noise) == pytest.approx(-30.0, abs=0.2)
    t = transcriber.transcribe(noise)
    assert len(t.words) <= 1, t.text
    assert len(normalize(t.text)) <= 1, t.text


def test_a_quiet_speaker_is_heard(transcriber: Transcriber, jfk: Transcript, jfk_reference: str) -> None:
    """A microphone set far too low (the clip 40 dB down, -62 dBFS over the whole clip, with 20 s of
    room quiet after it): the words are there, and so is the transcript."""
    quiet = np.concatenate([jfk_audio(), silence(20.0)]) * np.float32(0.01)
    quiet = quiet + white_noise(quiet.size / SAMPLE_RATE, -85.0)
    assert rms_dbfs(quiet) < -60.0
    t = transcriber.transcribe(quiet)
    assert not t.no_speech
    assert wer(jfk_reference, t.text) <= wer(jfk_reference, jfk.text) + 0.1, t.text


def test_faint_room_noise_invents_no_words(transcriber: Transcriber) -> None:
    """Noise loud enough to pass the level gate goes to the voice activity detector and Whisper,
    which write nothing."""
    noise = white_noise(8.0, -60.0, seed=3)
    t = transcriber.transcribe(noise)
    assert t.no_speech and t.words == (), t.text


def test_synthesized_answer_transcribes(transcriber: Transcriber, tmp_path: Path) -> None:
    from voice_interviewer.tts.speaker import synthesize

    audio, voice = synthesize(ANSWER_BANK, tmp_path / "tts-cache")
    assert voice.startswith("piper"), f"the Piper voice is not installed (got {voice})"
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 4.0 < audio.size / SAMPLE_RATE < 20.0
    t = transcriber.transcribe(audio)
    assert wer(ANSWER_BANK, t.text) <= 0.2, t.text
    # the cache is keyed by the text: a second call reads the same audio back
    again, _ = synthesize(ANSWER_BANK, tmp_path / "tts-cache")
    assert len(list((tmp_path / "tts-cache").glob("*.wav"))) == 1
    assert np.allclose(again, audio, atol=1e-4)


def test_stereo_44k_file_gives_the_same_transcript(transcriber: Transcriber, jfk: Transcript, tmp_path: Path) -> None:
    path = write_stereo_44k(tmp_path / "jfk-stereo-44k.wav", jfk_audio())
    import soundfile as sf

    info = sf.info(str(path))
    assert (info.samplerate, info.channels) == (44100, 2)
    audio = load_audio(path)
    assert audio.ndim == 1
    assert audio.size / SAMPLE_RATE == pytest.approx(11.0, abs=0.05)
    t = transcriber.transcribe(audio)
    assert normalize(t.text) == normalize(jfk.text)
    assert t.words[-1].end == pytest.approx(jfk.words[-1].end, abs=0.3)


def test_progress_reaches_the_end(transcriber: Transcriber) -> None:
    seen: list[tuple[float, float]] = []
    transcriber.transcribe(jfk_audio(), lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (11.0, 11.0)
    assert all(0 <= d <= t for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
