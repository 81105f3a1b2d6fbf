"""Delivery metrics: pure functions of the word timings (thresholds in scoring.config)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.types import Delivery, FillerMark, Hesitation, PauseSpan, Word

_CFG = CONFIG.delivery
LONG_PAUSE_S = _CFG.long_pause_s
GOOD_WPM = _CFG.aim_wpm  # the pace the notes advise; pace() flags only outside its wider band
FLUENT_FPM = _CFG.fluent_fpm
HESITANT_FPM = _CFG.hesitant_fpm

# Fillers that are always fillers.
_PLAIN_FILLERS = ("um", "uh", "er", "erm", "ah", "hmm", "mm", "uhm", "umm", "uhh", "hm")
# Multi-word fillers.
_PHRASE_FILLERS = ("you know", "i mean", "kind of like", "sort of like")
# Short grammatical words that, cut off with an ellipsis inside an answer ("a... a...", "the...
# units"), are a drawn-out "uh": Whisper writes the hesitation as the word it sounds like, trailing
# off. A content word before an ellipsis is left alone ("can..." may be a sentence broken off).
_TRAILED = frozenset(
    {"a", "an", "the", "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "that", "i", "we", "it"}
)
# Words that are fillers only in some positions.
_SOMETIMES = ("like", "basically", "actually", "literally", "so", "right")
HEDGES = (
    "i guess",
    "i think maybe",
    "i'm not sure",
    "i am not sure",
    "sort of",
    "kind of",
    "probably",
    "maybe",
    "i suppose",
    "more or less",
    "i would say",
    "i feel like",
    "hopefully",
)

_TOKEN = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class FillerMerge:
    """How the acoustic signal joins the transcript's fillers."""

    same_filler_s: float = 0.25  # a heard hesitation this close to a written filler is that filler
    kind: str = "hesitation"  # the name a filler heard only in the audio gets in Delivery.fillers


FILLER_MERGE = FillerMerge()


def _norm(w: str) -> str:
    m = _TOKEN.findall(w.lower().replace("’", "'"))
    return m[0] if m else ""


def _ends_clause(raw: str) -> bool:
    return raw.rstrip().endswith((",", ".", "?", "!", ";", ":"))


def filler_spans(words: Sequence[str], raw: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
    """Fillers as (kind, first word index, number of words).

    ``raw`` keeps punctuation, which tells "like," (a filler) from "like X".

    - "like" is a filler after a pause mark or at the start, or before another filler, and not
      after verbs of liking or comparison ("I like", "looks like", "things like").
    - "basically", "actually", "literally" open a clause as filler.
    - "so" and "right" count only when they stand alone between commas at the start.
    - a short grammatical word cut off with an ellipsis before more words ("a...", "the...") is a
      drawn-out "uh", counted as that word with the ellipsis.
    """
    raw = list(raw) if raw is not None else list(words)
    out: list[tuple[str, int, int]] = []
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        pair = f"{w} {words[i + 1]}" if i + 1 < n else ""
        if pair in _PHRASE_FILLERS:
            out.append((pair, i, 2))
            i += 2
            continue
        if w in _PLAIN_FILLERS:
            out.append((w, i, 1))
        elif w in _TRAILED and raw[i].rstrip().endswith(("...", "…")) and i + 1 < n:
            out.append((f"{w}...", i, 1))
        elif w == "like":
            prev = words[i - 1] if i > 0 else ""
            after_mark = i == 0 or _ends_clause(raw[i - 1])
            followed_by_mark = _ends_clause(raw[i])
            # "was, like," is a filler whatever the word before; only "was like X" compares
            comparative = not after_mark and prev in {
                "i",
                "you",
                "we",
                "they",
                "would",
                "looks",
                "look",
                "looked",
                "seems",
                "things",
                "something",
                "feel",
                "feels",
                "just",
                "much",
                "don't",
                "didn't",
                "is",
                "was",
                "more",
                "exactly",
                "sounds",
            }
            if not comparative and (after_mark or followed_by_mark or (i + 1 < n and words[i + 1] in _PLAIN_FILLERS)):
                out.append(("like", i, 1))
        elif w in ("basically", "actually", "literally"):
            if i == 0 or _ends_clause(raw[i - 1]) or _ends_clause(raw[i]):
                out.append((w, i, 1))
        elif w in ("so", "right") and _ends_clause(raw[i]) and (i == 0 or _ends_clause(raw[i - 1])):
            out.append((w, i, 1))
        i += 1
    return out


def count_fillers(words: Sequence[str], raw: Sequence[str] | None = None) -> Counter[str]:
    """Fillers by kind (see :func:`filler_spans`)."""
    return Counter(kind for kind, _, _ in filler_spans(words, raw))


def count_hedges(text: str) -> Counter[str]:
    low = " " + " ".join(_TOKEN.findall(text.lower().replace("’", "'"))) + " "
    out: Counter[str] = Counter()
    for h in sorted(HEDGES, key=len, reverse=True):
        k = low.count(f" {h} ")
        if k:
            out[h] += k
            low = low.replace(f" {h} ", " ")
    return out


def long_pauses(words: Sequence[Word], threshold: float = LONG_PAUSE_S) -> list[PauseSpan]:
    return [
        PauseSpan(start=a.end, end=b.start, after_word=a.word)
        for a, b in pairwise(words)
        if b.start - a.end >= threshold
    ]


def pace(wpm: float) -> str:
    """Slow below 120 words a minute, fast above 175 (the notes then advise the 130-160 aim)."""
    if wpm <= 0:
        return "n/a"
    return "slow" if wpm < _CFG.slow_below_wpm else "fast" if wpm > _CFG.fast_above_wpm else "good"


def fluency(fpm: float) -> str:
    return "fluent" if fpm <= FLUENT_FPM else "hesitant" if fpm >= HESITANT_FPM else "some fillers"


def _tokens(words: Sequence[Word], text: str) -> tuple[list[str], list[str], list[Word | None]]:
    """(normalised, raw, timed word or None) for every real word of the answer."""
    timed: list[Word | None] = list(words) if words else [None] * len(text.split())
    raw = [w.word for w in words] if words else text.split()
    keep = [i for i, w in enumerate(raw) if _norm(w)]
    return [_norm(raw[i]) for i in keep], [raw[i] for i in keep], [timed[i] for i in keep]


def filler_marks(
    words: Sequence[Word],
    text: str,
    hesitations: Sequence[Hesitation] = (),
    timed: bool = True,
    merge: FillerMerge = FILLER_MERGE,
) -> tuple[list[FillerMark], set[int]]:
    """Every filler once, with its time and signal, and the indexes (into the real words) of the
    words that are fillers. A hesitation heard near a written filler is that filler, not a second."""
    norm, raw, tw = _tokens(words, text)
    marks: list[FillerMark] = []
    filler_idx: set[int] = set()
    for kind, i, k in filler_spans(norm, raw):
        filler_idx.update(range(i, i + k))
        first, last = tw[i], tw[i + k - 1]
        if timed and first is not None and last is not None:
            marks.append(FillerMark(kind=kind, start=first.start, end=last.end))
        else:
            marks.append(FillerMark(kind=kind))
    if timed:
        # each sound once: a hesitation near a filler already marked (written, or heard by the other
        # signal) is that filler
        taken = [(m.start, m.end) for m in marks if m.start is not None and m.end is not None]
        for h in hesitations:
            if any(h.start < b + merge.same_filler_s and h.end > a - merge.same_filler_s for a, b in taken):
                continue
            source = "decoder" if h.kind == "unwritten" else "acoustic"
            marks.append(FillerMark(kind=merge.kind, start=h.start, end=h.end, source=source))
            taken.append((h.start, h.end))
    marks.sort(key=lambda m: (m.start is None, m.start or 0.0))
    return marks, filler_idx


def without_fillers(words: Sequence[Word], text: str) -> tuple[str, tuple[Word, ...]]:
    """The answer with its fillers taken out, for content scoring (fillers must not move it)."""
    toks = text.split()
    norm = [_norm(t) for t in toks]
    keep_idx = [i for i, w in enumerate(norm) if w]
    spans = filler_spans([norm[i] for i in keep_idx], [toks[i] for i in keep_idx])
    drop = {keep_idx[j] for _, i, k in spans for j in range(i, i + k)}
    out: list[str] = []
    capitalize = False  # a dropped filler opened a sentence: the next word opens it now
    for i, t in enumerate(toks):
        if i not in drop:
            out.append(t[:1].upper() + t[1:] if capitalize else t)
            capitalize = False
        elif out and t.rstrip().endswith((".", "?", "!")):  # "keeps, uh." -> "keeps."
            out[-1] = out[-1].rstrip(",;:") + t.rstrip()[-1]
        elif out and t.endswith(",") and out[-1].endswith(","):  # "is, uh, error" -> "is error"
            out[-1] = out[-1][:-1]
        elif t[:1].isupper() and (not out or out[-1].endswith((".", "?", "!"))):  # "Um, bias" -> "Bias"
            capitalize = True
    wnorm = [_norm(w.word) for w in words]
    wkeep = [i for i, w in enumerate(wnorm) if w]
    wspans = filler_spans([wnorm[i] for i in wkeep], [words[i].word for i in wkeep])
    wdrop = {wkeep[j] for _, i, k in wspans for j in range(i, i + k)}
    return " ".join(out), tuple(w for i, w in enumerate(words) if i not in wdrop)


def delivery_metrics(
    words: Sequence[Word],
    text: str,
    target: tuple[float, float],
    duration_s: float | None = None,
    timed: bool = True,
    hesitations: Sequence[Hesitation] = (),
) -> Delivery:
    """Delivery of one answer. ``timed`` is False for typed answers (no pace or pauses).

    Fillers come from two signals: the words of the transcript, and ``hesitations`` heard in the
    audio (stt/fillers.py). Words a minute counts the words that are not fillers.
    """
    norm, raw, _ = _tokens(words, text)
    marks, filler_idx = filler_marks(words, text, hesitations, timed)
    n = len(norm) - len(filler_idx)
    # typed answers: as if spoken at 144 words a minute
    speaking = max(words[-1].end - words[0].start, 0.0) if timed and words else len(norm) / _CFG.typed_words_per_s
    length = duration_s if (timed and duration_s) else speaking
    if timed and duration_s and words:
        # the recording up to the last sound: the pause before the first word is part of the answer, as
        # in a call, the silence after the last one is not (a file that ran on three minutes after it)
        last = max([words[-1].end, *(h.end for h in hesitations)])
        length = min(duration_s, last)
    minutes = max(speaking, 1.0) / 60.0
    fillers = Counter(m.kind for m in marks)
    fcount = len(marks)
    hedges = count_hedges(" ".join(raw))
    pauses = long_pauses(words) if timed else []
    wpm = round(n / minutes, 1) if timed and n else 0.0
    fpm = round(fcount / minutes, 2) if norm else 0.0
    lo, hi = target
    verdict = "too short" if length < lo else "too long" if length > hi else "on target"
    notes = []
    p = pace(wpm) if timed else "n/a"
    aim = f"{GOOD_WPM[0]:.0f}-{GOOD_WPM[1]:.0f}"
    if p == "fast":
        notes.append(f"{wpm:.0f} words a minute is fast for a call; slow down to {aim}.")
    elif p == "slow":
        notes.append(f"{wpm:.0f} words a minute is slow; aim for {aim}.")
    if fluency(fpm) != "fluent":
        top = ", ".join(f'"{k}" x{v}' for k, v in fillers.most_common(3))
        notes.append(f"{fpm:.1f} fillers a minute ({top}); pause silently instead.")
    if pauses:
        notes.append(
            f"{len(pauses)} pause(s) over {LONG_PAUSE_S:.0f} s; longest {max(x.seconds for x in pauses):.1f} s."
        )
    if sum(hedges.values()) >= _CFG.hedge_note_min:
        notes.append("Frequent hedging (" + ", ".join(hedges) + "); state the claim, then its limits.")
    if verdict != "on target":
        notes.append(f"{length:.0f} s is {verdict} for this question (target {lo:.0f}-{hi:.0f} s).")
    return Delivery(
        words=n,
        speaking_s=round(speaking, 2),
        words_per_minute=wpm,
        pace=p,
        fillers=dict(fillers),
        filler_count=fcount,
        fillers_per_minute=fpm,
        fluency=fluency(fpm),
        long_pauses=tuple(pauses),
        hedges=dict(hedges),
        hedge_count=sum(hedges.values()),
        length_s=round(length, 2),
        target_min_s=lo,
        target_max_s=hi,
        length_verdict=verdict,
        notes=tuple(notes),
        filler_marks=tuple(marks),
    )
