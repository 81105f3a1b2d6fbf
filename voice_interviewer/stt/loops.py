"""Text the audio cannot hold: a decoding that lost speech or looped, and filler runs longer than
the voiced sound under them.

A filler prompt makes Whisper write hesitation sounds, and on speech it hears badly (a rough or
fast voice) it can fall into a loop: "um, um, um, um, um" where one "um" was said, "hmm, hmm, ..."
for a whole sentence, "t-m-m-m-m-..." until its token limit, or it stops writing while the speaker
goes on. Both are checked against the audio, with the same frame features as the hesitation
detector (stt/fillers.py):

- :func:`decoding_failure`: a decoding is redone when voiced speech other than a held hesitation
  lies outside every written word (words left out at the end, an answer decoded to nothing), a
  single "word" lasts longer
  than any spoken word does, or ten words in a row use fewer than five different words (a loop);
- :func:`looped_fillers`: a run of fillers written one after another counts no more fillers than
  there are separate voiced sounds between the words around it (each filler is a voiced sound of
  its own: "um, uh" is two sounds with a break between them, a loop writes ten over one).
- :func:`carried_fillers`: a decoding redone without the prompt keeps the fillers the failed
  decoding wrote next to the same words (without the prompt Whisper leaves them out again).

Pure functions of (audio, timed words); the speech-to-text adapter applies them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.stt.fillers import (
    DEFAULT,
    FILLER_WORDS,
    Features,
    HesitationConfig,
    frame_features,
    held_sounds,
    in_speech,
)
from voice_interviewer.types import Word


@dataclass(frozen=True)
class LoopConfig:
    """Values from speech timing, not from samples."""

    # voiced speech outside the words that means words were lost: about three syllables
    lost_speech_s: float = 1.0
    # word timings are approximate: voiced frames this close to a word belong to it
    word_margin_s: float = 0.5
    # no spoken word lasts this long, even drawn out ("sooo" is under 2 s)
    longest_word_s: float = 3.0
    # any ten words of speech use at least five different words; a decoder's loop cycles through
    # two or three ("the, um, the, um, and the, um", "the sum, the sum, the sum")
    loop_window: int = 10
    loop_max_distinct: int = 4
    # a voiced sound as short as a fast "uh" (one short syllable)
    min_sound_s: float = 0.06
    # a break in voicing shorter than a stop consonant's closure does not separate two sounds
    min_break_s: float = 0.04


LOOPS = LoopConfig()


def _norm(w: str) -> str:
    return "".join(c for c in w.lower() if c.isalpha() or c == "'")


def voiced_frames(audio: np.ndarray, cfg: HesitationConfig = DEFAULT, features: Features | None = None) -> np.ndarray:
    """Per frame (``cfg.hop_s`` apart): True where the audio is periodic and within speech level."""
    level, voicing, _ = features if features is not None else frame_features(audio, cfg)
    if level.size == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(in_speech(level, cfg) & (voicing >= cfg.voicing))


def _frame(t: float, cfg: HesitationConfig) -> int:
    return max(0, round((t - cfg.frame_s / 2) / cfg.hop_s))


def decoding_failure(
    audio: np.ndarray,
    words: Sequence[Word],
    voiced: np.ndarray | None = None,
    cfg: HesitationConfig = DEFAULT,
    loops: LoopConfig = LOOPS,
    features: Features | None = None,
) -> str | None:
    """Why a decoding of ``audio`` failed (None: it did not): a loop, or speech it lost."""
    if voiced is None:
        voiced = voiced_frames(audio, cfg)
    long = [w for w in words if w.end - w.start > loops.longest_word_s]
    if long:
        return f"a word lasting {long[0].end - long[0].start:.1f} s ({long[0].word[:12]!r})"
    said = [_norm(w.word) for w in words]
    n = loops.loop_window
    for i in range(len(said) - n + 1):
        if len(set(said[i : i + n])) <= loops.loop_max_distinct:
            return f"a loop: {' '.join(w.word for w in words[i : i + n])!r}"
    mask = voiced.copy()
    for w in words:
        mask[_frame(w.start - loops.word_margin_s, cfg) : _frame(w.end + loops.word_margin_s, cfg) + 1] = False
    if float(mask.sum()) * cfg.hop_s >= loops.lost_speech_s:
        for a, b in held_sounds(audio, cfg, features):  # a long held "uhhh" between words is no lost word
            mask[_frame(a, cfg) : _frame(b, cfg) + 1] = False
        outside = float(mask.sum()) * cfg.hop_s
        if outside >= loops.lost_speech_s:
            return f"{outside:.1f} s of voiced speech outside the words"
    return None


def voiced_sounds(
    voiced: np.ndarray, start: float, end: float, cfg: HesitationConfig = DEFAULT, loops: LoopConfig = LOOPS
) -> int:
    """Separate voiced sounds between ``start`` and ``end`` seconds."""
    seg = voiced[_frame(start, cfg) : _frame(end, cfg) + 1]
    brk = max(1, round(loops.min_break_s / cfg.hop_s))
    need = max(1, round(loops.min_sound_s / cfg.hop_s))
    count = run = gap = 0
    for v in seg:
        if v:
            run += 1
            gap = 0
            continue
        gap += 1
        if gap >= brk:
            count += run >= need
            run = 0
    return count + (run >= need)


def looped_fillers(
    audio: np.ndarray,
    words: Sequence[Word],
    voiced: np.ndarray | None = None,
    cfg: HesitationConfig = DEFAULT,
    loops: LoopConfig = LOOPS,
) -> set[int]:
    """Indexes of filler words beyond what the audio holds: in each run of fillers written one after
    another, the ones past the number of separate voiced sounds between the words around the run
    (at least one filler of a run is kept)."""
    if voiced is None:
        voiced = voiced_frames(audio, cfg)
    is_filler = [_norm(w.word) in FILLER_WORDS for w in words]
    duration = audio.size / SAMPLE_RATE
    drop: set[int] = set()
    i = 0
    while i < len(words):
        if not is_filler[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and is_filler[j + 1]:
            j += 1
        if j > i:
            start = words[i - 1].end if i > 0 else 0.0
            end = words[j + 1].start if j + 1 < len(words) else duration
            keep = max(1, voiced_sounds(voiced, start, max(end, start), cfg, loops))
            drop.update(range(i + keep, j + 1))
        i = j + 1
    return drop


def carried_fillers(
    first: Sequence[Word],
    redone: Sequence[Word],
    audio: np.ndarray,
    voiced: np.ndarray | None = None,
    cfg: HesitationConfig = DEFAULT,
    loops: LoopConfig = LOOPS,
) -> list[Word]:
    """``redone`` (a redo without the prompt) with the fillers of the failed decoding with the prompt
    (``first``) that it has nothing for. A run of fillers (after :func:`looped_fillers` capped
    ``first``'s runs by the voiced sounds under them) is carried next to a word both decodings
    wrote: between the same two words with nothing between them in the redo, or after the same
    word (before the same word) where the next (previous) word differs. Placed by the words around
    it rather than by time: without the fillers, Whisper's word timings stretch the neighbouring
    words over the hesitation. A run with no word in common on either side (inside a loop, or
    where the decodings disagree) is not carried, nor one opening or closing the answer unless the
    redo's first or last word is its neighbour."""
    if voiced is None:
        voiced = voiced_frames(audio, cfg)
    drop = looped_fillers(audio, first, voiced, cfg, loops)
    kept = [w for i, w in enumerate(first) if i not in drop and w.end - w.start <= loops.longest_word_s]
    said = [i for i, w in enumerate(kept) if _norm(w.word) not in FILLER_WORDS]
    again = [_norm(w.word) for w in redone]
    match: dict[int, int] = {}  # index in kept -> index in redone, for the words both wrote
    blocks = SequenceMatcher(None, [_norm(kept[i].word) for i in said], again, autojunk=False)
    for a, b, size in blocks.get_matching_blocks():
        match.update((said[a + k], b + k) for k in range(size))
    out = list(redone)
    bounds = [None, *said, None]
    # from the end, so the indexes of the redone words still to come stay valid
    for left, right in reversed(list(itertools.pairwise(bounds))):
        a = -1 if left is None else left
        b = len(kept) if right is None else right
        if b - a < 2:
            continue
        at = _carried_at(
            match.get(left) if left is not None else None,
            match.get(right) if right is not None else None,
            left is None,
            right is None,
            len(redone),
        )
        if at is None:
            continue
        lo = out[at - 1].end if at > 0 else 0.0
        hi = max(lo, out[at].start) if at < len(out) else max(lo, audio.size / SAMPLE_RATE)
        fillers = [
            f.model_copy(update={"start": min(max(f.start, lo), hi), "end": min(max(f.end, lo), hi)})
            for f in kept[a + 1 : b]
        ]
        out[at:at] = fillers
    return out


def _carried_at(left: int | None, right: int | None, first: bool, last: bool, n: int) -> int | None:
    """Where in the redo a run of fillers goes: its neighbours' places there (None: not matched),
    ``first``/``last``: the run opens/closes the answer."""
    if left is not None and right is not None:
        return right if right == left + 1 else None
    if left is not None:
        return left + 1 if not last or left == n - 1 else None
    if right is not None:
        return right if not first or right == 0 else None
    return None
