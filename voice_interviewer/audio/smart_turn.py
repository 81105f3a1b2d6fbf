"""Is the turn over? Smart Turn v3.2 judges the last 8 s of audio: complete, or still going.

The model (int8 ONNX, shipped inside the ``pipecat-ai`` wheel, installed with --no-deps: nothing
of pipecat is imported) reads Whisper log-mel features of the last 8 s, the waveform first
normalised to zero mean and unit variance, left-padded with zeros when shorter: an (80, 800)
input. It hears intonation and rhythm, not words: a sentence that falls to its end reads as
complete, a "so the way I'd do it is..." as incomplete. One call takes tens of milliseconds on
one CPU thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.models import SMART_TURN, Checksums, verified_file

WINDOW_S = 8  # the model hears the last 8 s
N_FRAMES = 800  # 10 ms mel frames in the window
MODEL_FILE = SMART_TURN.files[0].rel


class TurnModel(Protocol):
    """Judges whether the speaker has finished: probability that the turn is complete."""

    name: str

    def complete_probability(self, audio: np.ndarray) -> float:
        """``audio``: 16 kHz mono float32, ending where the speaker went quiet (any length)."""
        ...


def last_window(audio: np.ndarray, seconds: int = WINDOW_S) -> np.ndarray:
    """The last ``seconds`` of ``audio``, left-padded with zeros when shorter."""
    n = seconds * SAMPLE_RATE
    a = np.asarray(audio, dtype=np.float32).reshape(-1)[-n:]
    return np.pad(a, (n - a.size, 0)) if a.size < n else a


class _Features:
    def __init__(self) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        self._fe = FeatureExtractor(feature_size=80, chunk_length=WINDOW_S)

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        x = last_window(audio)
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
        mel = self._fe(x, padding=0)  # (80, 800)
        return np.asarray(mel[:, :N_FRAMES], dtype=np.float32)


_features: _Features | None = None


def turn_features(audio: np.ndarray) -> np.ndarray:
    """The model's (80, 800) input for the audio so far."""
    global _features
    if _features is None:
        _features = _Features()
    return _features(audio)


class SmartTurn:
    """Smart Turn v3.2 through onnxruntime, one thread (the rest of the machine transcribes)."""

    name = "smart-turn-v3.2"

    def __init__(self, sums: Checksums, threads: int = 1, path: Path | None = None) -> None:
        import onnxruntime as ort

        model = path or verified_file(SMART_TURN, MODEL_FILE, sums)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session: Any = ort.InferenceSession(str(model), sess_options=so, providers=["CPUExecutionProvider"])
        self.sha256 = SMART_TURN.files[0].sha256

    def complete_probability(self, audio: np.ndarray) -> float:
        feats = turn_features(audio)[None]
        out = self._session.run(None, {"input_features": feats})
        return float(np.asarray(out[0]).reshape(-1)[0])
