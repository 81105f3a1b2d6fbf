"""Delivery metrics: pure functions of the word timings (thresholds in scoring.config)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.types import Delivery, PauseSpan, Word

_CFG = CONFIG.delivery
LONG_PAUSE_S = _CFG.long_pause_s
GOOD_WPM = _CFG.aim_wpm  # the pace the notes advise; pace() flags only outside its wider band
FLUENT_FPM = _CFG.fluent_fpm
HESITANT_FPM = _CFG.hesitant_fpm

# Fillers that are always fillers.
_PLAIN_FILLERS = ("um", "uh", "er", "erm", "ah", "hmm", "mm", "uhm")
# Multi-word fillers.
_PHRASE_FILLERS = ("you know", "i mean", "kind of like", "sort of like")
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


def _norm(w: str) -> str:
    m = _TOKEN.findall(w.lower().replace("’", "'"))
    return m[0] if m else ""


def _ends_clause(raw: str) -> bool:
    return raw.rstrip().endswith((",", ".", "?", "!", ";", ":"))


def count_fillers(words: Sequence[str], raw: Sequence[str] | None = None) -> Counter[str]:
    """Fillers by kind. ``raw`` keeps punctuation, which tells "like," (a filler) from "like X".

    - "like" is a filler after a pause mark or at the start, or before another filler, and not
      after verbs of liking or comparison ("I like", "looks like", "things like").
    - "basically", "actually", "literally" open a clause as filler.
    - "so" and "right" count only when they stand alone between commas at the start.
    """
    raw = list(raw) if raw is not None else list(words)
    out: Counter[str] = Counter()
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        pair = f"{w} {words[i + 1]}" if i + 1 < n else ""
        if pair in _PHRASE_FILLERS:
            out[pair] += 1
            i += 2
            continue
        if w in _PLAIN_FILLERS:
            out[w] += 1
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
                out["like"] += 1
        elif w in ("basically", "actually", "literally"):
            if i == 0 or _ends_clause(raw[i - 1]) or _ends_clause(raw[i]):
                out[w] += 1
        elif w in ("so", "right") and _ends_clause(raw[i]) and (i == 0 or _ends_clause(raw[i - 1])):
            out[w] += 1
        i += 1
    return out


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


def delivery_metrics(
    words: Sequence[Word],
    text: str,
    target: tuple[float, float],
    duration_s: float | None = None,
    timed: bool = True,
) -> Delivery:
    """Delivery of one answer. ``timed`` is False for typed answers (no pace or pauses)."""
    raw = [w.word for w in words] if words else text.split()
    norm = [_norm(w) for w in raw]
    keep = [i for i, w in enumerate(norm) if w]
    norm = [norm[i] for i in keep]
    raw = [raw[i] for i in keep]
    n = len(norm)
    # typed answers: as if spoken at 144 words a minute
    speaking = max(words[-1].end - words[0].start, 0.0) if timed and words else n / _CFG.typed_words_per_s
    length = duration_s if (timed and duration_s) else speaking
    minutes = max(speaking, 1.0) / 60.0
    fillers = count_fillers(norm, raw)
    fcount = sum(fillers.values())
    hedges = count_hedges(" ".join(raw))
    pauses = long_pauses(words) if timed else []
    wpm = round(n / minutes, 1) if timed and n else 0.0
    fpm = round(fcount / minutes, 2) if n else 0.0
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
    )
