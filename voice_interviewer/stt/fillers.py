"""Hesitations heard in the audio: the "uhhh" and "ummm" that a transcript leaves out.

Whisper is trained on cleaned transcripts and drops most hesitation sounds. A hesitation is
acoustically plain: a voiced sound (periodic, loud enough) whose spectrum barely changes for a
long time, a held vowel or a hummed "mmm". Ordinary speech changes its spectrum every 50-200 ms,
from one sound to the next; a filler holds one sound for 300 ms or more.

Everything here is a pure function of (audio, timed words), so tests can feed synthetic input;
the speech-to-text adapter calls :func:`detect_hesitations` on every answer it transcribes.

A steady voiced stretch counts as a hesitation when it

- lies between timed words (a sound in a gap the transcript left empty), or
- is a long held vowel on a function word ("theee", "andd", "sooo").

A short filler ("the, um, data") is not held long enough for that, and Whisper often stretches the
word before it over the filler and the pauses around it ("the" timed 2.14-2.88 s). So a voiced sound
set apart by pauses on both sides, lying wholly inside one word's timed span, is a hesitation too
(kind "apart"), unless it is that word's own sound: the word is the sound that crosses into its span
from the left (Whisper's timings run late), or else the first sound inside it. A word next to a
written filler is left alone (the sound is that filler).

Stretches that overlap a word the transcript already wrote as a filler ("um", "uh") are not
reported again; delivery scoring merges the two signals and keeps each filler once.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.types import Hesitation, Word

# Words the transcript writes for a hesitation sound. (delivery.py counts the same ones.)
FILLER_WORDS = frozenset({"um", "uh", "er", "erm", "ah", "hmm", "mm", "uhm", "umm", "uhh", "hm", "mhm", "eh"})

# Short grammatical words that a hesitating speaker draws out ("and... the...").
_ARTICLES_AND_CONJUNCTIONS = ("a", "an", "the", "and", "but", "or", "so", "then", "if", "because", "which", "that")
_PREPOSITIONS = ("to", "of", "in", "on", "at", "for", "with", "as", "like")
_OTHERS = ("is", "are", "was", "be", "i", "we", "it", "this", "well", "um", "uh")
FUNCTION_WORDS = frozenset(_ARTICLES_AND_CONJUNCTIONS + _PREPOSITIONS + _OTHERS)


@dataclass(frozen=True)
class HesitationConfig:
    """What counts as a held, voiced sound. Values come from speech acoustics, not from samples."""

    frame_s: float = 0.032  # analysis window
    hop_s: float = 0.010
    min_pitch_hz: float = 70.0  # voiced speech: a period between 1/400 s and 1/70 s
    max_pitch_hz: float = 400.0
    voicing: float = 0.45  # normalised autocorrelation peak that marks a frame as periodic
    level_below_peak_db: float = 30.0  # frames quieter than the answer's loud frames by more are not speech
    steadiness: float = 0.30  # mean absolute change of the log band energies (nepers) between frames 20 ms apart
    min_hold_s: float = 0.30  # a held sound this long is a hesitation (ordinary vowels last 50-200 ms)
    bridge_s: float = 0.03  # short dips in voicing inside a held sound do not break it
    merge_s: float = 0.15  # two held sounds this close are one hesitation ("uh-mmm")
    word_edge_s: float = 0.06  # word timings are approximate: a gap must clear words by this much
    pause_s: float = 0.10  # a quiet stretch this long sets two sounds apart (a comma pause; stops are shorter)
    apart_voiced_s: float = 0.06  # a sound set apart is a filler only if this much of it is voiced
    apart_max_s: float = 1.0  # and at most this long (longer: speech the words did not time)
    apart_edge_s: float = 0.02  # a sound this close outside a word's span is still inside it


DEFAULT = HesitationConfig()


def _norm(w: str) -> str:
    return "".join(c for c in w.lower() if c.isalpha() or c == "'")


def _frames(audio: np.ndarray, cfg: HesitationConfig) -> np.ndarray:
    n = int(cfg.frame_s * SAMPLE_RATE)
    hop = int(cfg.hop_s * SAMPLE_RATE)
    if audio.size < n:
        return np.zeros((0, n), dtype=np.float32)
    # a view of the audio (no copy): the caller's first arithmetic makes the frames' own array
    return np.lib.stride_tricks.sliding_window_view(np.asarray(audio, dtype=np.float32), n)[::hop]


Features = tuple[np.ndarray, np.ndarray, np.ndarray]  # frame_features(): level, voicing, spectral change


def in_speech(level: np.ndarray, cfg: HesitationConfig = DEFAULT) -> np.ndarray:
    """Per frame: within ``level_below_peak_db`` of the answer's loud frames (its 95th percentile), so
    speech, not a pause, breath or room noise."""
    return np.asarray(level > np.percentile(level, 95) - cfg.level_below_peak_db)


def frame_features(audio: np.ndarray, cfg: HesitationConfig = DEFAULT) -> Features:
    """Per frame: (level in dB, voicing 0..1, spectral change to the frame 20 ms before).

    Voicing and change are worked out only where they can matter: frames quieter than the answer's
    loud frames by ``level_below_peak_db`` are neither voiced nor held (voicing 0, change inf), so
    their spectra are skipped (pauses and the silence around an answer are a fifth to a third of it)."""
    fr = _frames(np.asarray(audio, dtype=np.float32), cfg)
    if fr.shape[0] == 0:
        empty = np.zeros(0, dtype=np.float64)
        return empty, empty, empty
    fr = fr - fr.mean(axis=1, keepdims=True)
    energy = np.mean(fr.astype(np.float64) ** 2, axis=1)
    level = 10 * np.log10(energy + 1e-12)
    lag = 2  # the change is to the frame this many hops before
    speech = in_speech(level, cfg)
    need = speech.copy()
    need[:-lag] |= speech[lag:]  # and the frames a speech frame's change is measured against
    at = np.flatnonzero(need)
    voicing = np.zeros(fr.shape[0], dtype=np.float64)
    change = np.full(fr.shape[0], np.inf)
    if at.size == 0:
        return level, voicing, change
    n = fr.shape[1]
    lo = int(SAMPLE_RATE / cfg.max_pitch_hz)
    hi = min(int(SAMPLE_RATE / cfg.min_pitch_hz), n - 1)
    # zero-padded to at least n + hi: the autocorrelation up to lag hi is the linear one, unwrapped
    size = -(-(n + hi) // 64) * 64
    spec = np.abs(np.fft.rfft(fr[at] * np.hanning(n), n=size, axis=1)) ** 2
    # voicing: peak of the normalised autocorrelation (Wiener-Khinchin) in the pitch range
    ac = np.fft.irfft(spec, n=size, axis=1)[:, :hi]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    # the window shrinks the autocorrelation at lag k by (n - k) / n: undo it
    taper = n / (n - np.arange(lo, hi))
    voicing[at] = np.clip(np.max(ac[:, lo:hi] * taper, axis=1), 0.0, 1.0)
    # spectral change: log energies in 16 bands from 100 Hz to 4 kHz
    freqs = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    edges = np.geomspace(100.0, 4000.0, 17)
    bands = np.stack([spec[:, (freqs >= a) & (freqs < b)].sum(axis=1) for a, b in itertools.pairwise(edges)], axis=1)
    logb = np.full((fr.shape[0], bands.shape[1]), np.nan)
    logb[at] = np.log(bands + 1e-10)
    if fr.shape[0] > lag:
        step = np.mean(np.abs(logb[lag:] - logb[:-lag]), axis=1)
        change[lag:] = np.where(np.isnan(step), np.inf, step)  # nan: a skipped frame on either side
    return level, voicing, change


def held_sounds(
    audio: np.ndarray, cfg: HesitationConfig = DEFAULT, features: Features | None = None
) -> list[tuple[float, float]]:
    """(start, end) in seconds of every voiced sound held steady for at least ``min_hold_s``
    (``features``: the audio's :func:`frame_features`, when already computed)."""
    level, voicing, change = features if features is not None else frame_features(audio, cfg)
    if level.size == 0:
        return []
    steady = in_speech(level, cfg) & (voicing >= cfg.voicing) & (change <= cfg.steadiness)
    # bridge short breaks
    bridge = max(1, round(cfg.bridge_s / cfg.hop_s))
    runs: list[tuple[int, int]] = []
    i = 0
    n = steady.size
    while i < n:
        if not steady[i]:
            i += 1
            continue
        j = i
        gap = 0
        k = i
        while k < n:
            if steady[k]:
                j = k
                gap = 0
            else:
                gap += 1
                if gap > bridge:
                    break
            k += 1
        runs.append((i, j + 1))
        i = k + 1
    merged: list[tuple[int, int]] = []
    merge = round(cfg.merge_s / cfg.hop_s)
    for a, b in runs:
        if merged and a - merged[-1][1] <= merge:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    half = cfg.frame_s / 2
    out = []
    for a, b in merged:
        # frames are indexed by their start; a frame covers [t, t + frame_s]: use centres
        start, end = a * cfg.hop_s + half, (b - 1) * cfg.hop_s + half
        # the longest steady stretch inside must itself be long enough (merging cannot make one)
        if end - start >= cfg.min_hold_s and _longest(steady[a:b], bridge) * cfg.hop_s >= cfg.min_hold_s:
            out.append((round(start, 3), round(end, 3)))
    return out


def _longest(mask: np.ndarray, bridge: int) -> int:
    best = cur = gap = 0
    for v in mask:
        if v:
            cur += 1 + gap
            gap = 0
        else:
            gap += 1
            if gap > bridge:
                cur = gap = 0
        best = max(best, cur)
    return best


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) frame indexes of every run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def sounds(features: Features, cfg: HesitationConfig = DEFAULT) -> list[tuple[int, int]]:
    """(start, end) frame indexes of every sound: frames loud enough to be speech, the quiet stretches
    inside a sound shorter than ``pause_s`` bridged (a stop's closure is not a pause)."""
    level = features[0]
    if level.size == 0:
        return []
    sound = in_speech(level, cfg)
    pause = round(cfg.pause_s / cfg.hop_s)
    for a, b in _runs(~sound):
        if b - a < pause and a > 0 and b < sound.size:
            sound[a:b] = True
    return _runs(sound)


def sounds_apart(words: Sequence[Word], features: Features, cfg: HesitationConfig = DEFAULT) -> list[Hesitation]:
    """The voiced sounds set apart by pauses inside a word's timed span that are not the word itself
    (see the module's docstring)."""
    voicing = features[1]
    every = sounds(features, cfg)
    half, edge = cfg.frame_s / 2, round(cfg.apart_edge_s / cfg.hop_s)
    names = [_norm(w.word) for w in words]
    out = []
    for k, w in enumerate(words):
        if any(t in FILLER_WORDS for t in names[max(0, k - 1) : k + 2]):
            continue  # a filler, or beside one
        a, z = int((w.start - half) / cfg.hop_s), int((w.end - half) / cfg.hop_s)
        over = [(i, j) for i, j in every if i < z and j > a]
        inside = [(i, j) for i, j in over if i >= a - edge and j <= z + edge]
        if not any(i < a - edge for i, _ in over) and inside:
            inside = inside[1:]  # no sound crosses in from the left: the first inside is the word
        for i, j in inside:
            voiced = np.count_nonzero(voicing[i:j] >= cfg.voicing) * cfg.hop_s
            if voiced >= cfg.apart_voiced_s and (j - i) * cfg.hop_s <= cfg.apart_max_s:
                start, end = round(i * cfg.hop_s + half, 3), round((j - 1) * cfg.hop_s + half, 3)
                out.append(Hesitation(start=start, end=end, kind="apart", word=names[k]))
    return out


def detect_hesitations(
    audio: np.ndarray, words: Sequence[Word], cfg: HesitationConfig = DEFAULT, features: Features | None = None
) -> tuple[Hesitation, ...]:
    """Hesitations in ``audio`` that the timed ``words`` do not already show as fillers."""
    features = features if features is not None else frame_features(audio, cfg)
    holds = held_sounds(audio, cfg, features)
    out: list[Hesitation] = []
    for h in sounds_apart(words, features, cfg):
        if not any(h.start < b and h.end > a for a, b in holds):  # a held sound is reported as one
            out.append(h)
    if not holds:
        return tuple(out)
    spans = [(w.start, w.end, _norm(w.word)) for w in words]
    for start, end in holds:
        overlapping = [(a, b, t) for a, b, t in spans if a < end - cfg.word_edge_s and b > start + cfg.word_edge_s]
        if any(t in FILLER_WORDS for _, _, t in overlapping):
            continue  # the transcript has it already
        if not overlapping:
            out.append(Hesitation(start=start, end=end, kind="gap"))
            continue
        # inside a word: a function word drawn out, or a gap the word timings papered over
        a, b, t = max(overlapping, key=lambda s: min(s[1], end) - max(s[0], start))
        inside = min(b, end) - max(a, start)
        if t in FUNCTION_WORDS:
            out.append(Hesitation(start=start, end=end, kind="long vowel", word=t))
        elif inside < (end - start) / 2:
            out.append(Hesitation(start=start, end=end, kind="gap"))
    return tuple(sorted(out, key=lambda h: h.start))
