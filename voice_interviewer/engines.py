"""Build the engines in one place from the settings; everything else takes them as arguments.

Heavy imports (faster-whisper, onnxruntime, chromadb, llama.cpp, pyttsx3) happen here, lazily,
the first time an engine is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from voice_interviewer.audio.smart_turn import SmartTurn
from voice_interviewer.errors import MissingModelError, UserError
from voice_interviewer.models import PIPER_JOE, Checksums, verified_file
from voice_interviewer.paths import DataHome, data_home
from voice_interviewer.retrieval.embeddings import MiniLMEmbedder
from voice_interviewer.stt.ear import ClipEar
from voice_interviewer.stt.transcriber import FasterWhisperTranscriber, build_transcriber, decoding_of
from voice_interviewer.track.rubric import Track, load_track
from voice_interviewer.types import ModelsUsed

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from voice_interviewer.interviewer.followup import Interviewer
    from voice_interviewer.interviewer.grounded import GroundedFollowUps
    from voice_interviewer.track.rubric import Question
    from voice_interviewer.tts.speaker import Speaker


@dataclass(frozen=True)
class Settings:
    stt_model: str = "tiny.en"  # bundled tiny.en, bundled base, a folder, or a faster-whisper name
    device: str = "auto"  # cpu | cuda | auto
    track: str | None = None  # a folder under rubrics/; None: the first one there
    chroma_url: str | None = None  # a Chroma server; None for the embedded store in the data home
    llm: str = "local"  # "local" (SmolLM2 via llama.cpp) or provider:model
    llm_timeout_s: float = 20.0  # after this, the rubric's probe is asked instead
    tts: str = "pyttsx3"  # the interviewer's voice: pyttsx3 (espeak-ng) or piper (the bundled Piper voice)
    use_embeddings: bool = True  # semantic evidence in content scoring
    cpu_threads: int = 0  # threads of the speech model on the CPU; 0: every core (re-score workers use 1 each)


@dataclass
class Engines:
    settings: Settings = field(default_factory=Settings)
    notify: Callable[[str], None] = print
    home: DataHome = field(default_factory=lambda: data_home().ensure())
    _chat: dict[str, tuple[BaseChatModel, str]] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def checksums(self) -> Checksums:
        return Checksums(self.home)

    @cached_property
    def track(self) -> Track:
        return load_track(self.settings.track)

    @cached_property
    def transcriber(self) -> FasterWhisperTranscriber:
        s = self.settings
        return build_transcriber(s.stt_model, s.device, self.home, self.checksums, self.notify, s.cpu_threads)

    @cached_property
    def ear(self) -> ClipEar | None:
        """The second hearing of an answer's last words at a pause (:mod:`voice_interviewer.stt.ear`): the
        bundled base model on one thread, when the answer's own model is tiny.en; else None (no second
        hearing: the answer's model is the one that decides)."""
        if self.transcriber.name != "tiny.en":
            return None
        try:
            # on the answer's model's device, already chosen (and its CPU fallback already said once)
            ear = ClipEar(build_transcriber("base", self.transcriber.device, self.home, self.checksums, self.notify, 1))
            ear.warm_up()
            return ear
        except MissingModelError as e:
            self.notify(f"{e.message} The end of an answer is judged from one hearing of its words.")
            return None

    @cached_property
    def turn_model(self) -> SmartTurn:
        """Smart Turn v3.2: is the turn over? (MissingModelError when pipecat-ai is not installed)"""
        return SmartTurn(self.checksums)

    @cached_property
    def embedder(self) -> MiniLMEmbedder | None:
        return MiniLMEmbedder(self.checksums) if self.settings.use_embeddings else None

    def models_used(self, with_stt: bool, rubric_sha: str, rubric_version: str) -> ModelsUsed:
        from voice_interviewer.scoring.content import SCORER_VERSION

        stt = self.transcriber if with_stt else None
        return ModelsUsed(
            stt=stt.name if stt else None,
            stt_sha256=stt.sha256 if stt else None,
            stt_decoding=decoding_of(stt) if stt else None,
            embeddings=self.embedder.name if self.embedder else None,
            rubric_version=rubric_version,
            rubric_sha256=rubric_sha,
            scorer_version=SCORER_VERSION,
        )

    def chat_model(self, spec: str | None = None) -> tuple[BaseChatModel, str]:
        """(chat model, its name) for ``spec`` (default: settings.llm), built once per spec: the follow-ups
        of a session share one llama.cpp instance and so its cache of the prompt's common prefix."""
        spec = spec or self.settings.llm
        if spec not in self._chat:
            self._chat[spec] = build_chat(spec, self.checksums, self.settings.llm_timeout_s)
        return self._chat[spec]

    def interviewer(self, notify: Callable[[str], None] | None = None) -> Interviewer:
        """The follow-up asker for ``settings.llm``. The local model missing is not fatal: the rubric's
        probes are asked instead (and ``notify`` says so); a named provider that cannot start is."""
        from voice_interviewer.interviewer.followup import Interviewer

        s = self.settings
        try:
            chat, name = self.chat_model()
            return Interviewer(chat, name, s.llm_timeout_s, notify=notify or self.notify)
        except UserError as e:
            if s.llm != "local":
                raise
            (notify or self.notify)(f"{e.message} Follow-ups come from the rubric's own probes.")
            return Interviewer(None, "rubric probes")

    def follow_ups(
        self, interviewer: Interviewer, probe: Question, notify: Callable[[str], None] | None = None
    ) -> GroundedFollowUps:
        """Follow-ups grounded in retrieved rubric and culture notes; without retrieval if the index
        cannot be reached (checked now, on ``probe``, so a session does not find out mid-answer)."""
        from voice_interviewer.interviewer.grounded import GroundedFollowUps
        from voice_interviewer.retrieval.context import ContextFn, retrieval_context

        context: ContextFn | None
        try:
            context = retrieval_context(self)
            context(probe, "")
        except UserError as e:
            (notify or self.notify)(f"Retrieval is off ({e.message}); follow-ups use the rubric only.")
            context = None
        return GroundedFollowUps(interviewer, context, notify or self.notify)

    def interviewer_voice(
        self,
        rate: int = 175,
        voice: str | None = None,
        output_device: int | str | None = None,
        play: bool = True,
        notify: Callable[[str], None] | None = None,
    ) -> Speaker:
        """The interviewer's voice (settings.tts); text only, with a note, when speech output cannot start."""
        from voice_interviewer.errors import MissingModelError
        from voice_interviewer.tts.speaker import SilentSpeaker, build_speaker

        try:
            return build_speaker(self.settings.tts, rate=rate, voice=voice, output_device=output_device, play=play)
        except MissingModelError as e:
            (notify or self.notify)(f"{e.message} The interviewer's lines are shown as text only.")
            return SilentSpeaker()


@lru_cache(maxsize=1)
def piper_voice() -> Any:
    """The demo candidate's Piper voice (``piper.PiperVoice``), checked against its pinned sha256, loaded once."""
    from piper import PiperVoice

    sums = Checksums(data_home())
    model = verified_file(PIPER_JOE, "data/en_US-joe-medium.onnx", sums)
    config = verified_file(PIPER_JOE, "data/en_US-joe-medium.onnx.json", sums)
    return PiperVoice.load(str(model), config_path=str(config))


def line_voice(text: str) -> np.ndarray:
    """The interviewer's voice for lines saved without audio (sessions of schema 0), 16 kHz mono:
    espeak-ng, as pyttsx3 uses; empty audio when espeak-ng is missing."""
    from voice_interviewer.tts.speaker import espeak_audio

    try:
        return espeak_audio(text)
    except UserError:
        return np.zeros(0, dtype=np.float32)


def llm_follow_ups(spec: str, checksums: Checksums) -> GroundedFollowUps:
    """The --llm interviewer (``local`` or provider:model) behind the grounded follow-up checks,
    without retrieved context: what ``rescore --llm`` asks for its follow-up after each answer."""
    from voice_interviewer.interviewer.followup import Interviewer
    from voice_interviewer.interviewer.grounded import GroundedFollowUps

    chat, name = build_chat(spec, checksums)
    return GroundedFollowUps(Interviewer(chat, name))


def build_chat(spec: str, checksums: Checksums, timeout_s: float = 20.0) -> tuple[BaseChatModel, str]:
    """The interviewer's chat model for "local" or "provider:model" (interviewer/chat.py)."""
    from voice_interviewer.interviewer.chat import build_chat_model

    return build_chat_model(spec, checksums, timeout_s)
