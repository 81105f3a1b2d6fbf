"""Turn-taking, the streaming recorder, crash recovery and incremental transcription."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.fakes import PieceTranscriber
from voice_interviewer.audio.capture import capture_answer, chunked
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.recorder import StreamingRecorder, recover_pcm
from voice_interviewer.audio.turn import FRAME, POSSIBLE_END, TurnDetector, TurnOptions
from voice_interviewer.audio.vad import SileroVad
from voice_interviewer.stt.incremental import IncrementalTranscriber, strip_done

FRAME_S = FRAME / SAMPLE_RATE


def frames(seconds: float, p: float) -> np.ndarray:
    return np.full(round(seconds / FRAME_S), p, dtype=np.float32)


def test_thinking_pause_does_not_end_the_answer() -> None:
    det = TurnDetector(TurnOptions(end_silence_s=2.5))
    assert det.push(frames(3.0, 0.9)) is None
    assert det.push(frames(2.0, 0.1)) == POSSIBLE_END  # a 2 s thinking pause, never judged complete
    assert det.push(frames(3.0, 0.9)) is None
    assert det.push(frames(2.6, 0.1)) == "silence"
    assert det.started_at is not None and det.started_at < 0.1


def test_no_speech_ends_after_the_start_timeout() -> None:
    det = TurnDetector(TurnOptions(start_timeout_s=5.0))
    assert det.push(frames(4.9, 0.05)) is None
    assert det.push(frames(0.2, 0.05)) == "no-speech"


def test_a_cough_does_not_start_the_answer() -> None:
    det = TurnDetector(TurnOptions(min_speech_s=0.4, start_timeout_s=3.0))
    det.push(frames(0.2, 0.95))
    assert det.started_at is None
    assert det.push(frames(3.0, 0.0)) == "no-speech"


def test_ten_minute_cap() -> None:
    det = TurnDetector(TurnOptions(max_answer_s=10.0))
    assert det.push(frames(10.1, 0.9)) == "max-length"


def test_recorder_streams_and_finishes_a_wav(tmp_path: Path) -> None:
    rec = StreamingRecorder(tmp_path / "a.wav")
    tone = (0.3 * np.sin(np.arange(SAMPLE_RATE) / 10)).astype(np.float32)
    for chunk in np.split(tone, 10):
        rec.write(chunk)
    path = rec.finish()
    data, rate = sf.read(str(path), dtype="float32")
    assert rate == SAMPLE_RATE and data.size == SAMPLE_RATE
    assert np.allclose(data, tone, atol=1e-3)
    assert not (tmp_path / "a.pcm").exists()


def test_recover_pcm_completes_a_crashed_answer(tmp_path: Path) -> None:
    pcm = tmp_path / "turn-01-answer.pcm"
    pcm.write_bytes((np.ones(16001, dtype="<i2") * 1000).tobytes() + b"\x01")  # odd trailing byte
    (wav,) = recover_pcm(tmp_path)
    assert sf.info(str(wav)).frames == 16001


@pytest.mark.slow
def test_kill_9_loses_at_most_about_a_second(tmp_path: Path) -> None:
    """A real crash: the child records a live stream and is killed with SIGKILL mid-answer."""
    script = textwrap.dedent(
        f"""
        import sys, numpy as np
        from pathlib import Path
        from voice_interviewer.audio.capture import capture_answer, chunked
        from voice_interviewer.audio.turn import TurnOptions
        from voice_interviewer.audio.vad import SileroVad
        audio = (0.2 * np.sin(np.arange(16000 * 60) / 7)).astype(np.float32)
        fed = 0.0
        def level(rms, elapsed):
            print(f"{{elapsed:.2f}}", flush=True)
        out = Path({str(tmp_path / "turn-01-answer.wav")!r})
        capture_answer(chunked(audio, realtime=True), out, SileroVad(),
                       TurnOptions(end_silence_s=60, start_timeout_s=60), on_level=level)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    fed = 0.0
    for line in child.stdout:
        fed = float(line)
        if fed >= 3.0:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    (wav,) = recover_pcm(tmp_path)
    kept = sf.info(str(wav)).frames / SAMPLE_RATE
    assert kept >= fed - 1.2, (kept, fed)


def test_capture_keeps_audio_on_ctrl_c(tmp_path: Path) -> None:
    class Vad:
        def probs(self, chunk: np.ndarray) -> np.ndarray:
            return np.full(chunk.size // FRAME, 0.9, dtype=np.float32)

    def chunks() -> Iterator[np.ndarray]:
        for _ in range(5):
            yield np.full(1600, 0.1, dtype=np.float32)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        capture_answer(chunks(), tmp_path / "a.wav", Vad())  # type: ignore[arg-type]
    assert sf.info(str(tmp_path / "a.wav")).frames == 5 * 1600


@pytest.mark.slow
def test_silero_ends_the_turn_after_speech(tmp_path: Path) -> None:
    from voice_interviewer.tts.speaker import synthesize

    speech, _ = synthesize("Bias comes from a model that is too simple. Variance comes from sensitivity to the sample.")
    audio = np.concatenate([speech, np.zeros(SAMPLE_RATE * 2, np.float32), speech])  # a 2 s thinking pause
    cap = capture_answer(
        chunked(audio, tail_silence_s=4.0), tmp_path / "a.wav", SileroVad(), TurnOptions(end_silence_s=2.5)
    )
    assert cap.ended_by == "silence"
    assert cap.speech_started_s is not None and cap.speech_started_s < 0.5
    assert cap.audio.size / SAMPLE_RATE >= audio.size / SAMPLE_RATE  # the pause did not cut the answer


@pytest.mark.parametrize(
    ("text", "kept", "said"),
    [
        ("That is my answer. I'm done.", "That is my answer.", True),
        ("and that's how I'd do it, done", "and that's how I'd do it", True),
        ("the job was done by the pipeline", "the job was done by the pipeline", False),
    ],
)
def test_strip_done(text: str, kept: str, said: bool) -> None:
    assert strip_done(text) == (kept, said)


def test_incremental_transcription_cuts_at_pauses_and_offsets_words() -> None:
    fake = PieceTranscriber()
    inc = IncrementalTranscriber(fake)
    chunk = np.zeros(FRAME * 10, dtype=np.float32)
    speech, silence = np.full(10, 0.9, np.float32), np.full(10, 0.0, np.float32)
    t = 0.0
    for probs in [speech] * 16 + [silence] * 3 + [speech] * 5 + [silence] * 3:  # ~5 s speech, pause, ~1.6 s, pause
        inc.feed(chunk, probs)
        t += chunk.size / SAMPLE_RATE
    tr = inc.finish()
    assert len(fake.pieces) == 2  # one piece cut at the first pause, the tail at the end
    assert tr.text == "piece1 piece2"
    assert tr.words[0].start == pytest.approx(0.1)
    assert tr.words[1].start == pytest.approx(fake.pieces[0] + 0.1, abs=0.01)
    assert tr.duration_s == pytest.approx(t, abs=0.01)


def test_a_long_fluent_stretch_is_cut_at_a_short_sentence_gap() -> None:
    fake = PieceTranscriber()
    inc = IncrementalTranscriber(fake)
    chunk = np.zeros(FRAME * 10, dtype=np.float32)  # 0.32 s per chunk
    speech, gap = np.full(10, 0.9, np.float32), np.array([0.9] * 2 + [0.0] * 8, np.float32)  # a 0.26 s gap
    for probs in [speech] * 12 + [gap] + [speech] * 12 + [gap] + [speech] * 36:  # ~4 s, gap, ~4 s, gap, ~11.5 s
        inc.feed(chunk, probs)
    assert fake.pieces == []  # short gaps do not cut a piece under 10 s
    inc.feed(chunk, gap)  # a short gap after more than 10 s of speech does
    inc.finish()
    assert len(fake.pieces) == 1 and fake.pieces[0] > 10.0  # the silent tail is not sent to Whisper


def test_capture_keeps_audio_when_the_source_fails(tmp_path: Path) -> None:
    from voice_interviewer.errors import UserError

    class Vad:
        def probs(self, chunk: np.ndarray) -> np.ndarray:
            return np.full(chunk.size // FRAME, 0.9, dtype=np.float32)

    def chunks() -> Iterator[np.ndarray]:
        for _ in range(3):
            yield np.full(1600, 0.1, dtype=np.float32)
        raise UserError("The microphone stopped delivering audio (unplugged?).")

    with pytest.raises(UserError):
        capture_answer(chunks(), tmp_path / "a.wav", Vad())  # type: ignore[arg-type]
    assert sf.info(str(tmp_path / "a.wav")).frames == 3 * 1600
