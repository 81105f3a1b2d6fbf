"""The synthesized answers of benchmarks/bench_delivery.py: texts, voices, and answers with a known
number of fillers (written "um"/"uh" read by the voice, or a held "uhhh" sound put between phrases).

Every answer's audio is fixed by its own number and the seed: where its fillers go, and the Piper
voice's generator noise (see :func:`make_answer`)."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.audio_fixtures import espeak_speech, held_vowel, piper_speech, silence

ANSWERS = (
    "I would split the data by time and validate on the later window. That keeps the future out of "
    "training, which matters when tastes drift from week to week.",
    "Precision is the share of flagged items that are truly positive. Recall is the share of true "
    "positives that we catch. For fraud we would favour recall and review the flagged cases by hand.",
    "The model overfits when the training loss keeps falling while the validation loss rises. I would "
    "add regularization, gather more data, or stop training early.",
    "For a cold start we can rank new titles by their metadata and by what similar members watched. "
    "Once a title has views, the collaborative model takes over.",
    "I would run an online experiment with a holdout group. The main metric is hours streamed per "
    "member, with retention and the cancel rate as guard rails.",
    "Gradient boosting builds shallow trees one after another, each fitting the errors of the ones "
    "before it. It needs care with the learning rate and the number of trees.",
    "To serve the model with low latency we cache the member embeddings and compute the candidate "
    "scores in a batch. The ranking step then only sorts a few hundred titles.",
    "Class imbalance hurts accuracy as a metric. I would look at the precision and recall curve, "
    "weight the rare class, and pick the threshold from the cost of each error.",
    "Feature leakage happens when a feature carries information from after the prediction time. I "
    "check every feature against the moment the prediction is made.",
)
HELD_OUT = (  # other answers, read by other voices at other paces: figures on speech the choices never saw
    "A confusion matrix counts the hits and misses for each class. From it we read precision, recall "
    "and the false alarm rate, and we choose the operating point the business can live with.",
    "When two teams disagreed about the launch date, I set up a short meeting, listed the risks of "
    "each date, and we agreed to ship a smaller version first and add the rest a month later.",
    "A random forest averages many deep trees, each trained on a sample of the rows and a subset of "
    "the columns. The averaging lowers the variance without adding much bias.",
    "To detect drift I would compare the distribution of each input feature this week with the "
    "training data, and alert when the difference stays above a threshold for several days.",
    "The biggest mistake I made was shipping a model without a rollback plan. Since then every "
    "release has a switch that sends traffic back to the previous version within minutes.",
    "Embeddings map each title to a point in a space where similar titles sit close together. We "
    "learn them from viewing sessions and reuse them for search and for recommendations.",
)
FRESH = (  # a third set, written after the mechanism was settled and read by voices used nowhere else
    "Batch normalization rescales the activations of each layer using the mean and spread of the "
    "current batch. It lets us train with a larger learning rate and makes the network less sensitive "
    "to how the weights start.",
    "My manager once asked me to cut the scope of a project by half two weeks before the deadline. I "
    "met the stakeholders, ranked the features by the revenue they protected, and we shipped the top "
    "three on time.",
    "A B test needs enough users in each arm to detect the effect we care about. I estimate the sample "
    "size from the baseline rate and the smallest lift worth acting on before the test starts.",
    "Dropout switches off a random share of the units during training, so no unit can rely on a few "
    "others. At prediction time every unit is active and the outputs are scaled to match.",
    "When our nightly pipeline started failing, I traced the errors to a schema change upstream. I "
    "added a contract test on the input tables, and the next change was caught before it reached us.",
    "Cross validation splits the data into several folds and trains on all but one fold each time. "
    "Averaging the scores gives a steadier estimate than a single split, at the price of more training.",
)
WRITTEN = ("um", "uh")
VOICES = ("piper@0.9", "piper@1.2", "piper@1.5", "espeak@140", "espeak@175", "espeak@210")
# espeak-ng voice variants (female and male, American and British) and Piper paces the bench never uses
HELD_OUT_VOICES = ("piper@1.05", "piper@1.35", "espeak:en-us+f3@155", "espeak:en-gb-x-rp+m3@190", "espeak:en+f4@225")
# fresh: Piper with other generator noise ("piper:NOISE") and paces, espeak-ng accents and variants
# neither other set uses, at 0.85x to 1.4x of espeak-ng's 175 words a minute
FRESH_VOICES = (
    "piper:0.3@0.85",
    "espeak:en-gb-scotland+m2@150",
    "piper:1.0@1.15",
    "espeak:en-029+f2@185",
    "espeak:en-us-nyc+m5@215",
    "piper@1.4",
    "espeak:en-gb-x-gbclan+f1@245",
)


@dataclass(frozen=True)
class Answer:
    name: str
    voice: str
    fillers: int  # the truth
    held: int  # of which held sounds (no text)
    text: str  # what the voice read, fillers included
    audio: np.ndarray


def speak(voice: str, text: str, seed: int | None = None) -> np.ndarray:
    """``seed`` (Piper): the generator's noise for this text, whatever was synthesized before."""
    kind, pace = voice.split("@")
    engine, _, detail = kind.partition(":")
    if engine == "piper":
        return piper_speech(text, float(pace), float(detail) if detail else None, seed)
    return espeak_speech(text, int(pace), detail or None)


def make_answer(j: int, held_out: bool = False, fresh: bool = False, seed: int | None = 0) -> Answer:
    """Answer ``j``: ``j % 9`` fillers (0..8) at random word gaps; every third answer with at least
    one filler holds its first filler as a sound instead of a word. ``held_out``: other texts,
    voices, seeds and hold pitches (up to a higher voice's) than the bench set. ``fresh``: a third
    set of texts and voices, and its held sound is "uhhh" or a hummed "mmm" of any length from 0.35 s.
    Piper's generator noise is drawn from the answer's own number and ``seed`` (None: a new draw),
    so an answer's audio is the same whichever sets run and in whatever order."""
    own_seed = j + (2000 if fresh else 1000 if held_out else 0)
    rng = random.Random(own_seed)
    noise = None if seed is None else own_seed + 10_000 * seed
    k = j % 9
    voices, texts_ = (FRESH_VOICES, FRESH) if fresh else (HELD_OUT_VOICES, HELD_OUT) if held_out else (VOICES, ANSWERS)
    voice = voices[j % len(voices)]
    words = texts_[j % len(texts_)].split()
    gaps = sorted(rng.sample(range(1, len(words)), k))
    held_at = gaps[0] if k and j % 3 == 1 else None
    pieces: list[list[str]] = [[]]
    for i, w in enumerate(words):
        if i in gaps:
            if i == held_at:
                pieces.append([])  # a held sound goes here, between two spoken pieces
            else:
                if pieces[-1]:
                    pieces[-1][-1] = pieces[-1][-1].rstrip(",") + ","
                pieces[-1].append(rng.choice(WRITTEN) + ",")
        pieces[-1].append(w)
    audio: list[np.ndarray] = []
    texts = []
    for n, piece in enumerate(pieces):
        if n:  # the held filler: a pause, "uhhh", a pause
            if fresh:
                f0, hold = rng.uniform(85.0, 230.0), rng.uniform(0.35, 0.9)
                formants = rng.choice([(640.0, 1190.0, 2390.0), (300.0, 1000.0, 2200.0)])  # "uhhh" or "mmm"
            else:
                f0, hold = rng.uniform(95.0, 210.0 if held_out else 140.0), rng.uniform(0.4, 0.8)
                formants = (640.0, 1190.0, 2390.0)
            audio += [silence(0.15), held_vowel(hold, f0=f0, formants=formants, seed=j), silence(0.2)]
            texts.append("[uhhh]")
        text = " ".join(piece)
        texts.append(text)
        audio.append(speak(voice, text, noise if n == 0 else None))
    name = f"{'f' if fresh else 'h' if held_out else 'a'}{j:02d}"
    return Answer(name, voice, k, 1 if held_at is not None else 0, " ".join(texts), np.concatenate(audio))
