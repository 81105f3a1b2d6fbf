"""Fillers Whisper nearly wrote: where its own decoder gave "um" or "uh" a real chance and wrote a word.

Whisper is trained on cleaned transcripts, so even with the filler prompt its language prior keeps
many short fillers out of the text: the "uh" is folded into the word next to it ("the, uh, learning"
heard as "the learning", the "the" stretched over the "uh"), or written as a look-alike word ("Oh",
"a"). At that step the decoder's next-token distribution still shows the sound: "um" or "uh" gets a
tenth or more of the probability, against well under a hundredth at an ordinary word boundary. The
greedy decoding returns those distributions at no extra decoding cost (CTranslate2's
``return_logits_vocab``); a filler whose probability reaches ``DecodeOptions.unwritten_fillers`` (0.1)
where Whisper wrote a word counts as one, unless a filler was written right beside it (the same sound), the step is the
first word of the window (the filler prompt just before it favours a filler there), or the word
written is punctuation.

Everything but :class:`LogitTap` is a pure function of token ids and probabilities, so tests can feed
synthetic input.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice_interviewer.stt.decoding import FILLER_PROMPT
from voice_interviewer.types import Hesitation

log = logging.getLogger(__name__)

FILLER_TEXTS = tuple(w.strip(",.").lower() for w in FILLER_PROMPT.split())  # "um", "uh", "hmm", "er", "ah"
NEIGHBOURS = (3, 2)  # text tokens before and after a step in which a written filler makes it the same sound
PUNCTUATION = frozenset({",", ".", "?", "!", "...", "-", "--", ";", ":"})


def filler_ids(tokenizer: Any) -> frozenset[int]:
    """Token ids that are a whole filler word (" um", " Uh", ...); without the space they are also pieces
    of other words ("sh|ah|ami")."""
    out = set()
    for f in FILLER_TEXTS:
        for form in (" " + f, " " + f.capitalize()):
            ids = tokenizer.encode(form)
            if len(ids) == 1:
                out.add(ids[0])
    return frozenset(out)


@dataclass(frozen=True)
class Decoded:
    """One greedy decoding: the tokens written and, per token, the probability the decoder gave a filler."""

    tokens: tuple[int, ...]
    filler_p: tuple[float, ...]


def filler_probability(logits: np.ndarray, fillers: np.ndarray, threshold: float) -> float:
    """The probability of any filler in one step's ``logits`` (raw, over the vocabulary); 0.0 when it is
    surely below ``threshold`` (the full normalisation is only worked out when it can matter)."""
    top = float(logits.max())
    f = float(np.logaddexp.reduce(logits[fillers].astype(np.float64)))
    if f - top < np.log(threshold):  # the normaliser is at least the top logit
        return 0.0
    lse = top + float(np.log(np.exp(logits.astype(np.float64) - top).sum()))
    return float(np.exp(f - lse))


def unwritten_steps(
    d: Decoded, fillers: frozenset[int], is_text: Callable[[int], bool], text_of: Callable[[int], str], threshold: float
) -> list[int]:
    """Indexes into ``d.tokens`` at which a filler was likely and a word was written instead.

    ``is_text``: whether a token is text (not a timestamp or a special token); ``text_of``: a token's text."""
    text_at = [i for i, t in enumerate(d.tokens) if is_text(t)]
    out = []
    for n, i in enumerate(text_at):
        tok = d.tokens[i]
        if n == 0 or tok in fillers or d.filler_p[i] < threshold:
            continue  # the first word after the prompt; a written filler; no chance of one
        if text_of(tok).strip() in PUNCTUATION:
            continue
        before, after = NEIGHBOURS
        near = text_at[max(0, n - before) : n] + text_at[n + 1 : n + 1 + after]
        if any(d.tokens[j] in fillers for j in near):
            continue  # a filler written beside it: the same sound
        out.append(i)
    return out


def place(
    seg_tokens: Sequence[int],
    calls: Sequence[Decoded],
    steps: Callable[[Decoded], list[int]],
    decode: Callable[[Sequence[int]], str],
    raw_words: Sequence[tuple[str, float, float]],
) -> list[Hesitation]:
    """The unwritten fillers of one segment of the transcript, as hesitations between its words.

    ``seg_tokens``: the segment's text tokens; ``calls``: the greedy decodings made for it (the last one
    holding these tokens is the one kept); ``raw_words``: the segment's words (text as Whisper wrote it,
    leading space included, start, end). A filler before word ``j`` spans the gap from word ``j - 1``'s end
    to word ``j``'s start."""
    n = len(seg_tokens)
    if not n or not raw_words:
        return []
    for d in reversed(calls):
        at = _find(d.tokens, seg_tokens)
        if at is not None:
            break
    else:
        return []  # kept from a sampled fallback: no distributions
    starts = np.cumsum([0] + [len(w) for w, _, _ in raw_words])[:-1]
    out = []
    for i in steps(d):
        if not at <= i < at + n:
            continue
        offset = len(decode(seg_tokens[: i - at]))
        j = int(np.searchsorted(starts, offset, side="left"))
        if j >= len(raw_words):
            continue
        word, start, _ = raw_words[j]
        prev_end = raw_words[j - 1][2] if j else start
        out.append(Hesitation(start=min(prev_end, start), end=start, kind="unwritten", word=word.strip()))
    return out


def _find(hay: Sequence[int], needle: Sequence[int]) -> int | None:
    n = len(needle)
    first = needle[0]
    for i in range(len(hay) - n + 1):
        if hay[i] == first and tuple(hay[i : i + n]) == tuple(needle):
            return i
    return None


class LogitTap:
    """CTranslate2's Whisper model with its greedy decodings' filler probabilities kept while
    :meth:`recording` (per thread; other calls pass through untouched)."""

    def __init__(self, model: Any, fillers: frozenset[int], threshold: float) -> None:
        self._m = model
        self.fillers, self.threshold = fillers, threshold
        self._ids = np.array(sorted(fillers))
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._m, name)

    @contextmanager
    def recording(self) -> Iterator[list[Decoded]]:
        calls: list[Decoded] = []
        self._local.calls = calls
        try:
            yield calls
        finally:
            self._local.calls = None

    def generate(self, *args: Any, **kw: Any) -> Any:
        calls = getattr(self._local, "calls", None)
        greedy = kw.get("beam_size", 1) == 1 and not kw.get("sampling_temperature")
        if calls is None or not greedy:
            return self._m.generate(*args, **kw)
        results = self._m.generate(*args, **kw, return_logits_vocab=True)
        for r in results:
            tokens = tuple(r.sequences_ids[0])
            try:
                steps = r.logits[0]
                p = tuple(filler_probability(_host(s), self._ids, self.threshold) for s in steps[: len(tokens)])
            except Exception as e:  # noqa: BLE001 (a side signal: the words matter, not this)
                log.warning("the decoder's filler probabilities could not be read: %s", e)
                continue
            calls.append(Decoded(tokens, p + (0.0,) * (len(tokens) - len(p))))
        return results

    def in_segment(self, seg: Any, calls: Sequence[Decoded], tokenizer: Any) -> list[Hesitation]:
        """The unwritten fillers of one of faster-whisper's segments, from the decodings recorded for it."""
        if not seg.words or seg.temperature:  # a sampled fallback: no distributions were kept
            return []

        def steps(d: Decoded) -> list[int]:
            is_text, text_of = (lambda t: t < tokenizer.eot), (lambda t: tokenizer.decode([t]))
            return unwritten_steps(d, self.fillers, is_text, text_of, self.threshold)

        return place(seg.tokens, calls, steps, tokenizer.decode, [(w.word, w.start, w.end) for w in seg.words])


def _host(step: Any) -> np.ndarray:
    """One step's logits as an array in memory (a model on a GPU returns them there)."""
    if getattr(step, "device", "cpu") != "cpu":
        import ctranslate2

        step = step.to_device(ctranslate2.Device.cpu)
    return np.asarray(step)
