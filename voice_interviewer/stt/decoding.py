"""How answers are decoded: the filler prompt, its form, the bounds on a window, and where a long
answer is cut. Recorded with every scorecard (:func:`decoding_of`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

FILLER_PROMPT = "Um, uh, hmm, er, ah."
TIMESTAMP_S = 0.02  # Whisper's timestamp tokens are 20 ms apart


class PromptTokenizer(Protocol):
    @property
    def timestamp_begin(self) -> int: ...  # the id of <|0.00|>

    def encode(self, text: str) -> list[int]: ...


def timed_prompt(tokenizer: PromptTokenizer, text: str, seconds: float) -> list[int]:
    """``text`` as a timed segment, ``<|0.00|> text<|seconds|>``: the form in which Whisper sees the
    previous window's words when it conditions on them. Given as plain text, the filler prompt
    made tiny.en often stop without closing its last segment with a timestamp; faster-whisper then
    decodes the answer's last fraction of a second again in a new 30 s window (a second pass of the
    encoder, fallbacks at higher temperatures, and words invented there such as "Thank you.").
    benchmarks/bench_delivery.py counts the passes."""
    return [
        tokenizer.timestamp_begin,
        *tokenizer.encode(" " + text.strip()),
        tokenizer.timestamp_begin + round(seconds / TIMESTAMP_S),
    ]


# faster-whisper gives the prompt to the first 30 s window only (without conditioning on earlier
# text it resets the context after each window): a longer answer is cut at pauses into pieces of
# at most this much, each decoded with the prompt, as the live transcription's pieces are.
PIECE_S = 28.0


def pieces(speech: Sequence[tuple[int, int]], n: int, max_len: int) -> list[tuple[int, int]]:
    """(start, end) sample ranges covering ``0..n``, cut halfway between two speech chunks, each
    at most ``max_len`` long unless one chunk alone is longer."""
    out: list[tuple[int, int]] = []
    start = 0
    prev_end: int | None = None
    for a, b in speech:
        if prev_end is not None and b - start > max_len:
            cut = (prev_end + a) // 2
            out.append((start, cut))
            start = cut
        prev_end = b
    out.append((start, n))
    return out


@dataclass(frozen=True)
class DecodeOptions:
    beam_size: int = 1  # greedy is ~2x faster on CPU and as good on clear speech
    no_speech_threshold: float = 0.6  # with log_prob_threshold: drop segments Whisper thinks are silence
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4  # repetitive output is a hallucination loop
    hallucination_silence_threshold: float | None = 2.0  # skip text invented over silent stretches
    min_silence_ms: int = 1500  # VAD: silence that splits speech chunks
    speech_pad_ms: int = 400
    # Whisper writes clean text and leaves out "um" and "uh"; a few fillers as context make it keep
    # them. Chosen by benchmarks/bench_delivery.py (it kept more fillers than "Um, uh." with tiny.en).
    initial_prompt: str | None = FILLER_PROMPT
    # With little audio the prompt's prior wins and tiny.en continues the text ("Thank you."):
    # clips shorter than this are decoded without it (fillers a minute mean nothing there anyway).
    prompt_min_s: float = 3.0
    # The prompt as a timed segment lasting this long (:func:`timed_prompt`); None: as plain text.
    prompt_segment_s: float | None = 0.5
    hotwords: str | None = None
    hesitations: bool = True  # also listen for held hesitation sounds (stt/fillers.py)
    # A filler Whisper's greedy decoder gave at least this probability where it wrote a word counts
    # (stt/unwritten.py); None: only the fillers written and heard.
    unwritten_fillers: float | None = 0.1
    # A bound on the tokens a window may write, from the audio's length. Speech with fillers at
    # 225 words a minute wrote at most 7 tokens a second (words, commas, timestamps); a decoder
    # caught in a loop ("hmm, hmm, hmm, ...") wrote 16-24 until Whisper's own limit, then did it
    # again at each fallback temperature.
    max_tokens_per_s: float | None = 10.0
    # A decoding with the prompt that lost speech or looped (stt/loops.py) is done again without
    # the prompt: the words matter more than the fillers.
    redo_failed: bool = True
    # Before that, with the prompt and a beam this wide (0: no such step). A wider search leaves
    # some loops, but it cost 9% more time on bench_delivery for one answer more in 45 within +-1.
    redo_beam_size: int = 0
    # When the redo without the prompt failed too, a last one without the prompt and a beam this wide
    # (0: none). On bench_delivery's one answer where both failed (the prompt's decoding looped "o-o-o...",
    # losing half the answer; the greedy redo wrote nothing) beams of 2, 3 and 5 all read the whole
    # answer; 3 took the least time (about 1 s, 2 s with 5). Only ever run after two failures.
    last_beam_size: int = 3
    # A redo without the prompt keeps the prompt decoding's fillers that fall in its gaps, over a
    # voiced sound (stt/loops.py): without the prompt Whisper leaves them out again.
    carry_fillers: bool = True
    # Fillers written one after another count no more than the separate voiced sounds under them.
    loop_cap: bool = True
    # Whisper's temperature fallback samples (5 draws at each higher temperature): with a fixed seed
    # the same answers, decoded in the same order by a new model, decode the same in every run.
    # CTranslate2 seeds each decoding thread's generator once, at its first draw, from the seed set
    # before it (None: a random seed).
    seed: int | None = 0

    def token_budget(self, seconds: float) -> int | None:
        """``max_new_tokens`` for a clip of ``seconds`` (None: Whisper's own limit)."""
        if not self.max_tokens_per_s:
            return None
        budget = round(self.max_tokens_per_s * min(seconds, 30.0)) + 16  # 16: a short clip's few words
        return budget if budget < 200 else None

    def prompt_for(self, seconds: float) -> str | None:
        return self.initial_prompt if self.initial_prompt and seconds >= self.prompt_min_s else None

    def silence_skip_for(self, prompt: str | None) -> float | None:
        """faster-whisper's silence skip scores short, low-probability words as signs of invention
        and drops the whole segment: exactly what the fillers the prompt asks for look like (it
        lost whole sentences in the benchmark). With the prompt on, the other guards stay (VAD,
        the no-speech and log-probability checks, the compression ratio) and this one is off."""
        return None if prompt else self.hallucination_silence_threshold

    def describe(self) -> str | None:
        """The choices that change the transcript, recorded with each scorecard (None: plain decoding)."""
        parts = []
        if self.initial_prompt:
            timed = f" as a {self.prompt_segment_s:g} s segment" if self.prompt_segment_s else ""
            parts.append(f"prompt={self.initial_prompt!r}{timed} from {self.prompt_min_s:g} s, no silence skip")
        if self.hotwords:
            parts.append(f"hotwords={self.hotwords!r}")
        if self.max_tokens_per_s:
            parts.append(f"at most {self.max_tokens_per_s:g} tokens a second")
        if self.initial_prompt and self.redo_failed:
            beam = f"beam {self.redo_beam_size}, then " if self.redo_beam_size else ""
            last = f", then beam {self.last_beam_size}" if self.last_beam_size else ""
            carry = ", its fillers in the redo's gaps kept" if self.carry_fillers else ""
            parts.append(f"a lost or looping decoding redone ({beam}no prompt{last}){carry}")
        if self.loop_cap:
            parts.append("filler runs capped by voiced sounds")
        if self.hesitations:
            parts.append("hesitations=acoustic (held sounds, sounds apart in a word)")
        if self.unwritten_fillers:
            parts.append(f"fillers the decoder gave p >= {self.unwritten_fillers:g}")
        return "; ".join(parts) or None


def decoding_of(t: object) -> str | None:
    """What :attr:`ModelsUsed.stt_decoding` records for a transcriber (None for fakes and plain ones)."""
    o = getattr(t, "options", None)
    return o.describe() if isinstance(o, DecodeOptions) else None
