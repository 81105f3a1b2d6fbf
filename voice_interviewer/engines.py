"""Build the engines in one place from the settings; everything else takes them as arguments.

Heavy imports (faster-whisper, onnxruntime, chromadb, llama.cpp, pyttsx3) happen here, lazily,
the first time an engine is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from voice_interviewer.models import Checksums
from voice_interviewer.paths import DataHome, data_home
from voice_interviewer.retrieval.embeddings import MiniLMEmbedder
from voice_interviewer.stt.transcriber import FasterWhisperTranscriber, build_transcriber
from voice_interviewer.track.rubric import DEFAULT_TRACK, Track, load_track
from voice_interviewer.types import ModelsUsed


@dataclass(frozen=True)
class Settings:
    stt_model: str = "tiny.en"  # bundled tiny.en, bundled base, a folder, or a faster-whisper name
    device: str = "auto"  # cpu | cuda | auto
    track: str = DEFAULT_TRACK
    chroma_url: str | None = None  # a Chroma server; None for the embedded store in the data home
    llm: str = "local"  # "local" (SmolLM2 via llama.cpp) or provider:model
    use_embeddings: bool = True  # semantic evidence in content scoring


@dataclass
class Engines:
    settings: Settings = field(default_factory=Settings)
    notify: Callable[[str], None] = print
    home: DataHome = field(default_factory=lambda: data_home().ensure())

    @cached_property
    def checksums(self) -> Checksums:
        return Checksums(self.home)

    @cached_property
    def track(self) -> Track:
        return load_track(self.settings.track)

    @cached_property
    def transcriber(self) -> FasterWhisperTranscriber:
        return build_transcriber(self.settings.stt_model, self.settings.device, self.home, self.checksums, self.notify)

    @cached_property
    def embedder(self) -> MiniLMEmbedder | None:
        return MiniLMEmbedder(self.checksums) if self.settings.use_embeddings else None

    def models_used(self, with_stt: bool, rubric_sha: str, rubric_version: str) -> ModelsUsed:
        from voice_interviewer.scoring.content import SCORER_VERSION

        stt = self.transcriber if with_stt else None
        return ModelsUsed(
            stt=stt.name if stt else None,
            stt_sha256=stt.sha256 if stt else None,
            embeddings=self.embedder.name if self.embedder else None,
            rubric_version=rubric_version,
            rubric_sha256=rubric_sha,
            scorer_version=SCORER_VERSION,
        )
