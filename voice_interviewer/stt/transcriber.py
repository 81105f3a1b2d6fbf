"""Speech to text: faster-whisper with word timings and guards against invented words."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE, is_silent
from voice_interviewer.errors import MissingModelError
from voice_interviewer.models import Checksums
from voice_interviewer.paths import DataHome
from voice_interviewer.stt.decoding import (  # noqa: F401 (the decoding's names, also from here)
    FILLER_PROMPT,
    PIECE_S,
    DecodeOptions,
    decoding_of,
    pieces,
    timed_prompt,
)
from voice_interviewer.stt.fillers import Features, detect_hesitations, frame_features
from voice_interviewer.stt.loops import carried_fillers, decoding_failure, looped_fillers, voiced_frames
from voice_interviewer.stt.placement import probe_device, resolve_model
from voice_interviewer.stt.unwritten import Decoded, LogitTap, filler_ids
from voice_interviewer.types import Hesitation, Transcript, Word, words_text

log = logging.getLogger(__name__)

Progress = Callable[[float, float], None]  # (seconds done, seconds total)
# one decoding: timed words, text, language, and the fillers Whisper nearly wrote (stt/unwritten.py)
Decoding = tuple[list[Word], str, str, tuple[Hesitation, ...]]


class Transcriber(Protocol):
    name: str  # e.g. "tiny.en"
    sha256: str | None  # of the weights, recorded with every scorecard
    supports_word_timings: bool

    def transcribe(self, audio: np.ndarray, progress: Progress | None = None) -> Transcript: ...


# "No speech" beyond silence (bad input gets exit 3, never a scorecard of invented words):
# - a clip shorter than one spoken word; words last about 0.3 s or more when said on their own
MIN_SPEECH_S = 0.3
# - every word below Whisper's own "anomalous word" probability (the 0.15 of its hallucination check,
#   word_anomaly_score in openai-whisper and faster-whisper): Whisper guessed, it did not hear words
LOW_WORD_PROBABILITY = 0.15


def inaudible(audio: np.ndarray) -> bool:
    """Too short or too quiet to hold words: never sent to Whisper (it would invent some)."""
    return audio.size / SAMPLE_RATE < MIN_SPEECH_S or is_silent(audio)


class EncoderMemo:
    """Whisper's encoder with its outputs kept for the clip being transcribed: a redo of a failed
    decoding reads the same audio, and the encoder's output does not depend on the prompt, so
    only the decoder runs again. Keyed by the window's log-mel features; :meth:`clear` after a clip."""

    def __init__(self, encode: Callable[[np.ndarray], object]) -> None:
        self._encode = encode
        self._kept: dict[bytes, object] = {}

    def __call__(self, features: np.ndarray) -> object:
        key = hashlib.blake2b(np.ascontiguousarray(features).tobytes(), digest_size=16).digest()
        out = self._kept.get(key)
        if out is None:  # (a local: another thread's clear() may empty the memo meanwhile)
            out = self._kept[key] = self._encode(features)
        return out

    def clear(self) -> None:
        self._kept.clear()


class FasterWhisperTranscriber:
    supports_word_timings = True

    def __init__(
        self,
        model_path: str,
        name: str,
        sha256: str | None,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        options: DecodeOptions | None = None,
    ) -> None:
        from faster_whisper import WhisperModel

        self.name = name
        self.sha256 = sha256
        self.device = device  # where it runs: "cpu" or "cuda", never "auto"
        self.options = options or DecodeOptions()
        threads = cpu_threads or (os.cpu_count() or 2)
        if self.options.seed is not None:
            import ctranslate2

            ctranslate2.set_random_seed(self.options.seed)  # before this model's threads draw
        try:
            self._model = WhisperModel(model_path, device=device, compute_type=compute_type, cpu_threads=threads)
        except (RuntimeError, ValueError, OSError) as e:
            raise MissingModelError(f"Could not load the speech model {name} from {model_path}: {e}") from None
        self.english_only = name.endswith(".en") or self._model.model.is_multilingual is False
        self._prompt_ids: dict[str, list[int]] = {}
        self._encoded = EncoderMemo(self._model.encode)
        self._model.encode = self._encoded  # faster-whisper calls self.encode
        self._tap: LogitTap | None = None
        if self.options.unwritten_fillers:
            self._tap = LogitTap(self._model.model, filler_ids(self.tokenizer), self.options.unwritten_fillers)
            self._model.model = self._tap  # faster-whisper calls self.model.generate

    def _initial_prompt(self, prompt: str | None) -> str | list[int] | None:
        """What faster-whisper's ``initial_prompt`` gets: the text, or its tokens as a timed segment."""
        seconds = self.options.prompt_segment_s
        if not prompt or not seconds:
            return prompt
        if prompt not in self._prompt_ids:
            self._prompt_ids[prompt] = timed_prompt(self.tokenizer, prompt, seconds)
        return self._prompt_ids[prompt]

    def transcribe(self, audio: np.ndarray, progress: Progress | None = None) -> Transcript:
        duration = audio.size / SAMPLE_RATE
        if inaudible(audio):
            return Transcript(text="", duration_s=round(duration, 2), no_speech=True)
        if duration <= PIECE_S or not self.options.prompt_for(duration):
            return self._transcribe(audio, progress)
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        vad = VadOptions(
            min_silence_duration_ms=self.options.min_silence_ms,
            speech_pad_ms=self.options.speech_pad_ms,
            max_speech_duration_s=PIECE_S,
        )
        speech = [(c["start"], c["end"]) for c in get_speech_timestamps(audio, vad)]
        parts = []
        for a, b in pieces(speech, audio.size, int(PIECE_S * SAMPLE_RATE)):
            off = a / SAMPLE_RATE
            step = (lambda done, _total, off=off: progress(off + done, duration)) if progress else None
            parts.append((off, self._transcribe(audio[a:b], step)))
        words = [
            w.model_copy(update={"start": round(w.start + off, 3), "end": round(w.end + off, 3)})
            for off, t in parts
            for w in t.words
        ]
        hes = [
            h.model_copy(update={"start": round(h.start + off, 3), "end": round(h.end + off, 3)})
            for off, t in parts
            for h in t.hesitations
        ]
        text = " ".join(t.text for _, t in parts if t.text).strip()
        return Transcript(
            text=text,
            words=tuple(words),
            duration_s=round(duration, 2),
            language=parts[0][1].language,
            no_speech=not text,
            hesitations=tuple(hes),
        )

    @property
    def whisper(self) -> Any:
        """faster-whisper's model (for :mod:`voice_interviewer.stt.ear`'s quick decodings)."""
        return self._model

    @functools.cached_property
    def tokenizer(self) -> Any:
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe", language="en")

    def _transcribe(self, audio: np.ndarray, progress: Progress | None = None) -> Transcript:
        duration = audio.size / SAMPLE_RATE
        if inaudible(audio):  # e.g. a piece of a long answer
            return Transcript(text="", duration_s=round(duration, 2), no_speech=True)
        o = self.options
        prompt = o.prompt_for(duration)
        try:
            words, text, language, unwritten = self._decode(audio, prompt, o.beam_size, progress)
            redo = bool(prompt and o.redo_failed)
            # the frames' level, voicing and change, computed once for the checks and the hesitations
            feats = frame_features(audio) if redo or o.loop_cap or o.hesitations else None
            voiced = voiced_frames(audio, features=feats) if redo or o.loop_cap else None
            if prompt and redo and voiced is not None:
                words, text, language, unwritten = self._redone(
                    audio, prompt, voiced, (words, text, language, unwritten), feats
                )
        finally:
            self._encoded.clear()
        if o.loop_cap and voiced is not None and (drop := looped_fillers(audio, words, voiced)):
            words = [w for i, w in enumerate(words) if i not in drop]
            text = words_text(words)
        heard = detect_hesitations(audio, words, features=feats) if o.hesitations and text else ()
        hesitations = tuple(sorted((*heard, *unwritten), key=lambda h: h.start)) if text else ()
        return Transcript(
            text=text,
            words=tuple(words),
            duration_s=round(duration, 2),
            language=language,
            no_speech=not text,
            hesitations=hesitations,
        )

    def _redone(
        self,
        audio: np.ndarray,
        prompt: str,
        voiced: np.ndarray,
        first: Decoding,
        feats: Features | None = None,
    ) -> Decoding:
        """``first`` (a decoding with the prompt), or, when it failed (:func:`decoding_failure`), the first
        redo that did not: with the prompt and a wider beam (when ``redo_beam_size`` is set), then without
        the prompt, then without it and with a beam of ``last_beam_size``. When every one failed, the one that
        says the most, never nothing over words. A redo without the prompt gets the first decoding's fillers in
        its gaps (:func:`carried_fillers`)."""
        o = self.options
        tried = [(first, True)]
        why = decoding_failure(audio, first[0], voiced, features=feats)
        for beam, again in ((o.redo_beam_size, prompt), (o.beam_size, None), (o.last_beam_size, None)):
            if why is None:
                break
            if not beam:
                continue
            log.info("decoding again (beam %d, prompt %s): %s", beam, "on" if again else "off", why)
            tried.append((self._decode(audio, again, beam, None), again is not None))
            why = decoding_failure(audio, tried[-1][0][0], voiced, features=feats)
        if why is None:
            (words, text, language, unwritten), prompted = tried[-1]
        else:
            (words, text, language, unwritten), prompted = max(
                tried, key=lambda t: len({w.word.lower().strip(",.?!") for w in t[0][0]})
            )
        if prompted or not o.carry_fillers:
            return words, text, language, unwritten
        # the redo without the prompt writes few fillers: those the prompt's decoding wrote between
        # the same two words
        carried = carried_fillers(first[0], words, audio, voiced)
        if len(carried) == len(words):
            return words, text, language, unwritten
        return carried, words_text(carried), language, unwritten

    def _decode(self, audio: np.ndarray, prompt: str | None, beam_size: int, progress: Progress | None) -> Decoding:
        """(timed words, text, language, fillers Whisper nearly wrote) of one decoding with these choices."""
        if self._tap is None:
            return self._segments(audio, prompt, beam_size, progress, None)
        with self._tap.recording() as calls:
            return self._segments(audio, prompt, beam_size, progress, calls)

    def _segments(
        self,
        audio: np.ndarray,
        prompt: str | None,
        beam_size: int,
        progress: Progress | None,
        calls: list[Decoded] | None,
    ) -> Decoding:
        duration = audio.size / SAMPLE_RATE
        o = self.options
        segments, info = self._model.transcribe(
            audio,
            language="en",
            beam_size=beam_size,
            word_timestamps=True,
            vad_filter=True,
            vad_parameters={"min_silence_duration_ms": o.min_silence_ms, "speech_pad_ms": o.speech_pad_ms},
            condition_on_previous_text=False,
            no_speech_threshold=o.no_speech_threshold,
            log_prob_threshold=o.log_prob_threshold,
            compression_ratio_threshold=o.compression_ratio_threshold,
            hallucination_silence_threshold=o.silence_skip_for(prompt),
            initial_prompt=self._initial_prompt(prompt),
            max_new_tokens=o.token_budget(duration),
            hotwords=o.hotwords,
        )
        words: list[Word] = []
        texts: list[str] = []
        unwritten: list[Hesitation] = []
        for seg in segments:  # the generator does the work; consume it here, never leak it
            if seg.no_speech_prob > o.no_speech_threshold and seg.avg_logprob < o.log_prob_threshold:
                continue
            texts.append(seg.text.strip())
            if calls is not None and self._tap is not None:
                unwritten += self._tap.in_segment(seg, calls, self.tokenizer)
            for w in seg.words or ():
                words.append(
                    Word(
                        word=w.word.strip(),
                        start=round(w.start, 3),
                        end=round(w.end, 3),
                        probability=round(w.probability, 3),
                    )
                )
            if progress:
                progress(min(seg.end, duration), duration)
        if progress:
            progress(duration, duration)
        if words and all(w.probability < LOW_WORD_PROBABILITY for w in words):
            words, texts, unwritten = [], [], []  # e.g. "Bye." (p 0.03) from a fragment: guessing, not hearing
        return words, " ".join(t for t in texts if t).strip(), info.language or "en", tuple(unwritten)


def build_transcriber(
    model: str, device: str, home: DataHome, sums: Checksums, notify: Callable[[str], None], cpu_threads: int = 0
) -> FasterWhisperTranscriber:
    """``cpu_threads``: 0 uses every core."""
    path, name, sha = resolve_model(model, home, sums)
    dev, note = probe_device(device)
    if note:
        notify(note)
    return FasterWhisperTranscriber(
        path, name, sha, device=dev, compute_type="int8" if dev == "cpu" else "float16", cpu_threads=cpu_threads
    )
