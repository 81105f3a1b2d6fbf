"""Where benchmarks/bench_delivery.py's transcription time goes: the CTranslate2 model's calls counted
and timed (encoder passes, greedy and fallback decodes, word alignment), the steps around it timed
(VAD, log-mel and frame features, loop checks, the acoustic detector), in CPU seconds per decoding
and stage. The decoding being timed is ``NOW[0]``; the figures collect in :data:`CPU` and :data:`CALLS`."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_interviewer.stt.transcriber import FasterWhisperTranscriber


class Timed:
    """A callable (a function, or faster-whisper's feature extractor, whose other attributes are
    passed through) with its CPU time added to ``stage``."""

    def __init__(self, f: Any, stage: str) -> None:
        self._f, self._stage = f, stage

    def __call__(self, *a: Any, **kw: Any) -> Any:
        with cpu(self._stage):
            return self._f(*a, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)


def counted(f: Any, what: str, *a: Any, **kw: Any) -> Any:
    """``f(*a, **kw)``, counted in :data:`CALLS` (decodings: one per window, more when redone)."""
    row = CALLS.setdefault(NOW[0], {})
    row[what] = row.get(what, 0) + 1
    return f(*a, **kw)


class Counted:
    """The CTranslate2 model with its work counted: encoder passes (one per 30 s window Whisper
    decodes), greedy decodes, fallback decodes at a higher temperature (5 samples each), tokens;
    the CPU time of each kind of call goes to :data:`CPU`."""

    def __init__(self, model: Any) -> None:
        self._m = model
        self.encodes = self.decodes = self.fallbacks = self.tokens = 0

    def encode(self, *a: Any, **kw: Any) -> Any:
        self.encodes += 1
        with cpu("encoder"):
            return self._m.encode(*a, **kw)

    def generate(self, *a: Any, **kw: Any) -> Any:
        fallback = kw.get("sampling_temperature", 0.0) > 0
        with cpu("fallback decodes" if fallback else "greedy decodes"):
            out = self._m.generate(*a, **kw)
        if fallback:
            self.fallbacks += 1
        else:
            self.decodes += 1
            self.tokens += sum(len(r.sequences_ids[0]) for r in out)
        return out

    def align(self, *a: Any, **kw: Any) -> Any:
        with cpu("word alignment"):
            return self._m.align(*a, **kw)

    def counts(self) -> tuple[int, int, int, int]:
        return self.encodes, self.decodes, self.fallbacks, self.tokens

    def __getattr__(self, name: str) -> Any:
        return getattr(self._m, name)


# CPU seconds (time.process_time: every thread of this process, not moved by other jobs on the
# machine the way wall time is) per decoding and stage, and the decodings a transcription made
CPU: dict[str, dict[str, float]] = {}
NOW = [""]  # the decoding being timed
CALLS: dict[str, dict[str, int]] = {}


@contextlib.contextmanager
def cpu(stage: str) -> Iterator[None]:
    t0 = time.process_time()
    try:
        yield
    finally:
        row = CPU.setdefault(NOW[0], {})
        row[stage] = row.get(stage, 0.0) + time.process_time() - t0


def timed(owner: Any, name: str, stage: str) -> None:
    """``owner.name`` (a function or callable object) with its CPU time added to ``stage``."""
    setattr(owner, name, Timed(getattr(owner, name), stage))


def profile_stages() -> None:
    """Time the steps around the model: Silero VAD (faster-whisper's filter and the cut of a long
    answer), the log-mel features, the frame features of stt/fillers.py, the checks of stt/loops.py,
    the acoustic detector."""
    import faster_whisper.transcribe as fw
    import faster_whisper.vad as fv

    from voice_interviewer.stt import transcriber as tm

    timed(fw, "get_speech_timestamps", "vad")
    timed(fv, "get_speech_timestamps", "vad")
    for name, stage in (
        ("frame_features", "frame features"),
        ("voiced_frames", "loop checks"),
        ("decoding_failure", "loop checks"),
        ("looped_fillers", "loop checks"),
        ("carried_fillers", "loop checks"),
        ("detect_hesitations", "acoustic detector"),
    ):
        timed(tm, name, stage)


def counts_of(t: FasterWhisperTranscriber) -> tuple[int, int, int, int]:
    return t._model.model.counts()  # type: ignore[no-any-return]
