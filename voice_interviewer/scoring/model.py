"""The score model: a handful of answer features combined by weights fitted on graded answers.

Features (each 0-1):

- ``phrase``: weighted share of the key points carried by a rubric phrasing in a sentence that
  explains (lists a quarter, bare names nothing);
- ``meaning``: weighted closeness of the best sentence to each key point, contrasted with the
  point's misconceptions (partial credit);
- ``misconception``: the red flags stated (their penalties over 100, at most 1);
- ``reasoning``: how much of the answer reasons about the topic: the sentences that explain
  (a causal, contrastive or conditional word) and use a term of the question's key points, that
  state no red flag, claim nothing about the answer and are not lists of terms, over a cap (six
  such sentences is a full spoken answer), and never more than ``breadth``: an answer that
  carries no point reasons about nothing the question asks. Coverage says which points were
  reached; this says whether they were explained or only reached (grade 3 against 2, 4 against 3);
- ``breadth``: how many different sentences carry credited evidence for some key point, over the
  same cap: a story or an explanation spread over several sentences that each carry something,
  against one sentence that touches many points at once;
- ``story`` (behavioral questions): ``phrase`` plus the story's own signals (parts, owned
  failure, I against we, numbers, specificity) as one adjustment over 100. The behavioral model
  uses this sum, the misconceptions and ``episode`` only: with four behavioral questions in the set,
  fitting coverage and signals apart was unstable (leave-one-question-out Spearman 0.45 on
  behavioral, against 0.61 for the one-to-one sum the hand-set score always used);
- ``episode`` (behavioral questions): how much of the answer tells events, the sentences in which
  someone, me or the team, did something in the past (scoring.behavioral.episode). It tells a
  story told vaguely, with the team's actions (mixed), from no story at all (a hypothetical, a
  habit, "I always speak up": poor); ownership stays in ``story``. It replaces ``breadth`` in the
  behavioral model (both count sentences; leave-one-question-out on behavioral, Spearman / levels:
  0.831 / 65.3% with breadth, 0.855 / 73.5% with episode instead).

Beside the score, one descriptor check decides two borders on technical questions: mixed against
good ("part of the idea, or all of it loosely" against "the key points right and explained") and
good against excellent ("the point, the reason, the trade-off and a concrete example"). Explaining
takes room: an answer whose score is at level 2 or 3 and that says at least ``develop_words[level]``
words in sentences on the key points (usable, not a list, with a term of the points that the
question does not use) is one level higher, and its score is lifted to where that level starts
(so the score and the level agree, and the ranking gains from it: leave-one-question-out typed
Spearman 0.879 -> 0.890 with the lift, against the level alone). The two thresholds are fitted with the rest
(``fit.develop_threshold``). Counted in words, not sentences, the check does not move with where
a speech model puts full stops.

The other way round, a level lowered by a cap (a misconception, blame, a dodged question, too
short, repeated terms) keeps the score below where the level above the cap starts, so that a capped
answer ranks with the answers of its level (leave-one-question-out typed Spearman 0.901 -> 0.907,
pairs 95.0% -> 95.6%).

The model is linear in them: ``z = intercept + sum(weight * feature)`` is the latent grade of an
ordinal logistic model (``scoring.fit``: P(grade <= j) = sigmoid(cut_j - z), the intercept 0); its
three cuts on ``z`` separate the levels (1-4) an interviewer would give, and the 0-100 score maps
``z`` piecewise-linearly so that the cuts land on the score cuts of the configuration (25/50/75),
the level of the score and the fitted level being the same. The parameters live in
``fitted.json`` beside this module; refit with ``python -m voice_interviewer.scoring.fit DEVSET``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from voice_interviewer.scoring.config import CONFIG

FEATURES = ("phrase", "meaning", "misconception", "story", "reasoning", "breadth", "episode")
PARAMS_FILE = Path(__file__).with_name("fitted.json")


@dataclass(frozen=True)
class Features:
    phrase: float
    meaning: float
    misconception: float
    story: float = 0.0
    reasoning: float = 0.0
    breadth: float = 0.0
    episode: float = 0.0

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, f) for f in FEATURES], dtype=float)


def _empty_story() -> float:
    """The story feature of a story with nothing in it: every part missing, no number, no ownership."""
    b = CONFIG.behavioral
    parts = 5  # situation, task, action, result, learning
    return (
        parts * b.missing_part + b.failure_not_owned + b.no_numbers - b.specificity_weight * b.specificity_centre
    ) / 100.0


def _best_story() -> float:
    """The story feature's own signals at best: an owned failure, full specificity."""
    b = CONFIG.behavioral
    return (b.failure_owned + b.specificity_weight * (1.0 - b.specificity_centre)) / 100.0


# The features of an answer with no evidence at all (it scores 0), and of one with every point
# carried and the best story (it scores 100).
EMPTY = Features(0.0, 0.0, 0.0, _empty_story(), 0.0, 0.0, 0.0)
FULL = Features(1.0, 1.0, 0.0, 1.0 + _best_story(), 1.0, 1.0, 1.0)


@dataclass(frozen=True)
class KindModel:
    """Parameters for one kind of question (technical or behavioral)."""

    intercept: float
    weights: dict[str, float]
    cuts: tuple[float, float, float]  # z from which levels 2, 3 and 4 start
    # per level of the score (2, 3): the words said in sentences on the key points from which an
    # answer at that level is one level higher (a level absent: never)
    develop_words: dict[int, float] = field(default_factory=dict)

    def z(self, f: Features) -> float:
        return self.intercept + sum(self.weights.get(k, 0.0) * getattr(f, k) for k in FEATURES)

    def score(self, z: float) -> float:
        """0-100, monotone in z: 0 for an answer with no evidence at all (z = intercept), 100 for
        full evidence and no misconception, and the cuts at the configuration's score cuts."""
        c1, c2, c3 = self.cuts
        lo, hi = min(self.z(EMPTY), c1 - 1e-3), max(self.z(FULL), c3 + 1e-3)
        s1, s2, s3 = CONFIG.levels.score_cuts
        return float(np.interp(z, [lo, c1, c2, c3, hi], [0.0, s1, s2, s3, 100.0]))


@dataclass(frozen=True)
class ScoreModel:
    technical: KindModel
    behavioral: KindModel
    note: str = ""

    def for_kind(self, kind: str) -> KindModel:
        return self.behavioral if kind == "behavioral" else self.technical

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _kind(d: dict[str, Any]) -> KindModel:
    cuts: tuple[float, float, float] = tuple(float(c) for c in d["cuts"])  # type: ignore[assignment]
    if len(cuts) != 3 or not cuts[0] <= cuts[1] <= cuts[2]:
        raise ValueError(f"cuts must be three increasing numbers, got {d['cuts']}")
    develop = {int(k): float(v) for k, v in (d.get("develop_words") or {}).items() if v is not None}
    return KindModel(float(d["intercept"]), {k: float(v) for k, v in d["weights"].items()}, cuts, develop)


def model_from_json(d: dict[str, Any]) -> ScoreModel:
    return ScoreModel(_kind(d["technical"]), _kind(d["behavioral"]), str(d.get("note", "")))


@lru_cache(maxsize=1)
def fitted_model() -> ScoreModel:
    """The model fitted on the development set (shipped beside this module)."""
    return model_from_json(json.loads(PARAMS_FILE.read_text(encoding="utf-8")))
