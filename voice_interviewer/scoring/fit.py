"""Fit the score model on a development set of graded answers, with leave-one-question-out figures.

    python -m voice_interviewer.scoring.fit DEVSET [--write] [--spoken FOLDER]

DEVSET is a folder of ``<track>/<round>.yaml`` graded answers (see scoring.validity). The fit is an
ordinal (proportional-odds) logistic regression of the grade on the features of
:mod:`voice_interviewer.scoring.model`, one for technical questions and one for behavioral: a latent
``z = sum(weight * feature)`` and three cuts on it, P(grade <= j) = sigmoid(cut_j - z), fitted by
maximum likelihood with a small ridge on the weights. The sign of each weight is fixed by what it
means (evidence raises the grade, a misconception lowers it; a feature whose fitted weight has the
wrong sign is dropped). Grades are ordered classes, not numbers: the cuts are fitted with the
weights for the levels they separate (least squares on the grade with cuts halfway between the
mean fitted grades agreed with the grade on 78.8% of the answers leave-one-question-out typed;
this fit 81.2%, Spearman the same). ``--write`` stores the parameters in ``scoring/fitted.json``.
The figures printed beside the in-sample ones are leave-one-question-out: every question is scored
by a model fitted without any of its answers, so they say how the score does on questions it was
not fitted on.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from voice_interviewer.scoring.content import Analysis, Embedder, analyse, content_from
from voice_interviewer.scoring.delivery import without_fillers
from voice_interviewer.scoring.levels import score_level
from voice_interviewer.scoring.model import FEATURES, PARAMS_FILE, KindModel, ScoreModel, fitted_model
from voice_interviewer.scoring.validity import GradedAnswer, format_table, load_set, table
from voice_interviewer.track.rubric import Question, Track, load_track

RIDGE = 0.01  # on the weights: keeps them finite when a feature barely varies
STEPS = 3000  # of the fit's gradient ascent (Adam), from the same start: the fit is deterministic
SIGNS = {"phrase": 1, "meaning": 1, "misconception": -1, "story": 1, "reasoning": 1, "breadth": 1, "episode": 1}
# the kinds and the levels of the score from which the explained-at-length check raises an answer
# (see scoring.model); behavioral stories are judged by their parts, and their length says little
DEVELOP_KINDS = ("technical",)
DEVELOP_LEVELS = (2, 3)
KIND_FEATURES = {
    "technical": ("phrase", "meaning", "misconception", "reasoning", "breadth"),
    "behavioral": ("story", "misconception", "episode"),
}


@dataclass(frozen=True)
class Example:
    item: GradedAnswer
    question: Question
    analysis: Analysis

    @property
    def kind(self) -> str:
        return self.question.kind


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)))


def _cut_values(raw: np.ndarray) -> np.ndarray:
    """Three increasing cuts from unconstrained numbers: the first, then positive steps."""
    return np.asarray(raw[0] + np.concatenate([[0.0], np.cumsum(np.exp(raw[1:]))]))


def ordinal_fit(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE) -> tuple[np.ndarray, tuple[float, float, float]]:
    """(weights, cuts) of the proportional-odds model P(grade <= j) = sigmoid(cut_j - x @ weights) for grades
    1-4, by maximum likelihood with ``ridge`` times the squared weights subtracted; Adam steps from zero
    weights and cuts at -1, 0, 1 (the log-likelihood is concave in the weights and cuts)."""
    n, p = x.shape
    theta = np.concatenate([np.zeros(p), [-1.0, 0.0, 0.0]])  # weights, first cut, log steps
    rows = np.arange(n)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, STEPS + 1):
        w, cuts = theta[:p], _cut_values(theta[p:])
        z = x @ w
        edges = np.column_stack([np.full(n, -np.inf), cuts[None, :] - z[:, None], np.full(n, np.inf)])
        hi, lo = edges[rows, y], edges[rows, y - 1]
        s_hi, s_lo = _sigmoid(hi), _sigmoid(lo)  # 1 and 0 at the open ends
        prob = np.maximum(s_hi - s_lo, 1e-12)
        d_hi, d_lo = s_hi * (1 - s_hi), s_lo * (1 - s_lo)  # the densities at the edges, 0 at the open ends
        grad_w = -x.T @ ((d_hi - d_lo) / prob) - 2 * ridge * w
        grad_cut = np.zeros(3)
        for j in range(3):  # cut j is the upper edge of grade j + 1 and the lower edge of grade j + 2
            grad_cut[j] = np.sum(d_hi[y == j + 1] / prob[y == j + 1]) - np.sum(d_lo[y == j + 2] / prob[y == j + 2])
        # cut j = first + sum of exp(step k) for k < j: the chain rule to the raw parameters
        steps = np.exp(theta[p + 1 :])
        grad_raw = np.array([grad_cut.sum(), grad_cut[1:].sum() * steps[0], grad_cut[2] * steps[1]])
        g = np.concatenate([grad_w, grad_raw])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        theta = theta + 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    c = _cut_values(theta[p:])
    return theta[:p], (float(c[0]), float(c[1]), float(c[2]))


def develop_threshold(
    developed: Sequence[int], levels: Sequence[int], grades: Sequence[int], level: int
) -> float | None:
    """The fewest developed words from which an answer at ``level`` counts one level higher: of the
    values seen on answers at ``level`` or the next, the lowest that puts the most of them at their
    grade; None when none puts more there than no raise does."""
    at = [i for i, lv in enumerate(levels) if lv in (level, level + 1)]
    base = sum(levels[i] == grades[i] for i in at)
    best: tuple[int, float | None] = (base, None)
    for t in sorted({developed[i] for i in at}):
        right = sum((level + 1 if levels[i] == level and developed[i] >= t else levels[i]) == grades[i] for i in at)
        if right > best[0]:
            best = (right, float(t))
    return best[1]


def fit_kind(examples: Sequence[Example], kind: str) -> KindModel:
    names = list(KIND_FEATURES[kind])
    y = np.array([e.item.grade for e in examples], dtype=int)
    while True:
        x = np.array([[getattr(e.analysis.features, f) for f in names] for e in examples], dtype=float)
        coef, cuts = ordinal_fit(x, y)
        wrong = [f for f, w in zip(names, coef, strict=True) if w * SIGNS[f] < 0]
        if not wrong:
            break
        names = [f for f in names if f not in wrong]
    weights = {f: 0.0 for f in FEATURES} | {f: round(float(w), 4) for f, w in zip(names, coef, strict=True)}
    model = KindModel(0.0, weights, tuple(round(c, 4) for c in cuts))  # type: ignore[arg-type]
    if kind not in DEVELOP_KINDS:
        return model
    levels = [score_level(model.score(model.z(e.analysis.features))) for e in examples]
    developed, grades = [e.analysis.developed for e in examples], [e.item.grade for e in examples]
    thresholds = {lv: develop_threshold(developed, levels, grades, lv) for lv in DEVELOP_LEVELS}
    return replace(model, develop_words={lv: t for lv, t in thresholds.items() if t is not None})


def fit(examples: Sequence[Example], note: str = "") -> ScoreModel:
    by_kind = {k: [e for e in examples if e.kind == k] for k in ("technical", "behavioral")}
    fallback = fitted_model()
    models = {k: fit_kind(v, k) if len(v) >= 8 else fallback.for_kind(k) for k, v in by_kind.items()}
    return ScoreModel(models["technical"], models["behavioral"], note)


def examples_for(
    items: Sequence[GradedAnswer],
    track: Track,
    embedder: Embedder | None,
    transcript: Callable[[GradedAnswer], tuple[str, Sequence[object]]] | None = None,
) -> list[Example]:
    out = []
    for it in items:
        q, _ = track.question(it.question)
        text, words = transcript(it) if transcript else (it.text, ())
        # as a scorecard scores it: the fillers taken out first (scoring.scorecard.score_answer)
        text, timed = without_fillers(words, text)  # type: ignore[arg-type]
        out.append(Example(it, q, analyse(q, text, timed, embedder)))
    return out


def predictions(examples: Sequence[Example], model: ScoreModel) -> tuple[list[float], list[int]]:
    cards = [content_from(e.question, e.analysis, model) for e in examples]
    return [c.score for c in cards], [c.level for c in cards]


def leave_one_question_out(
    examples: Sequence[Example], train: Sequence[Example] | None = None
) -> tuple[list[float], list[int]]:
    """Each question's answers scored by a model fitted on the other questions only.

    ``train`` (default: ``examples``) is what the models are fitted on, e.g. the typed answers
    when ``examples`` are their transcripts: the shipped model is fitted on typed answers.
    """
    scores = [0.0] * len(examples)
    levels = [0] * len(examples)
    pool = examples if train is None else train
    for qid in sorted({e.item.question for e in examples}):
        held = [i for i, e in enumerate(examples) if e.item.question == qid]
        model = fit([e for e in pool if e.item.question != qid])
        s, lv = predictions([examples[i] for i in held], model)
        for i, a, b in zip(held, s, lv, strict=True):
            scores[i], levels[i] = a, b
    return scores, levels


def report(examples: Sequence[Example], model: ScoreModel, title: str, train: Sequence[Example] | None = None) -> str:
    """In-sample (the given model) and leave-one-question-out tables; ``train`` as in leave_one_question_out."""
    items = [e.item for e in examples]
    s_in, l_in = predictions(examples, model)
    s_lo, l_lo = leave_one_question_out(examples, train)
    return "\n\n".join(
        [
            format_table(f"{title}: in-sample (the shipped fit)", table(items, s_in, l_in)),
            format_table(f"{title}: leave-one-question-out", table(items, s_lo, l_lo)),
        ]
    )


def spoken_reader(folder: Path) -> Callable[[GradedAnswer], tuple[str, Sequence[object]]]:
    from voice_interviewer.types import Transcript

    def read(it: GradedAnswer) -> tuple[str, Sequence[object]]:
        f = folder / f"{it.question.replace('/', '__')}__{it.id}.json"
        t = Transcript.model_validate_json(f.read_text(encoding="utf-8"))
        return t.text, t.words

    return read


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m voice_interviewer.scoring.fit", description=__doc__.split("\n")[0])
    ap.add_argument("devset", type=Path, help="folder of <track>/<round>.yaml graded answers")
    ap.add_argument("--write", action="store_true", help=f"store the fitted parameters in {PARAMS_FILE.name}")
    ap.add_argument("--spoken", type=Path, help="also report on transcripts (<round>__<slug>__<id>.json) there")
    args = ap.parse_args(argv)
    from voice_interviewer.models import Checksums
    from voice_interviewer.retrieval.embeddings import MiniLMEmbedder

    embedder = MiniLMEmbedder(Checksums(None))
    track = load_track()
    items = load_set(args.devset)
    examples = examples_for(items, track, embedder)
    n_q = len({i.question for i in items})
    model = fit(examples, note=f"fitted on {len(items)} typed answers to {n_q} questions")
    if args.write:
        PARAMS_FILE.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {PARAMS_FILE}")
    print(json.dumps(model.to_json(), indent=1))
    print(report(examples, model, "typed"))
    if args.spoken:
        have = {p.name for p in args.spoken.glob("*.json")}
        sub = [i for i in items if f"{i.question.replace('/', '__')}__{i.id}.json" in have]
        spoken = examples_for(sub, track, embedder, spoken_reader(args.spoken))
        print(report(spoken, model, f"spoken ({args.spoken.name}, {len(sub)} answers)", train=examples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
