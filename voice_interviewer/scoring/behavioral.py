"""Behavioral answers: the story's parts and signals, detected directly in the sentences.

Similarity of a story to abstract rubric text ranks stories poorly, so this module looks for
what an interviewer writes down: the STAR/CARL parts and the sentences that carry them, a
failure owned (not a humble-brag), "I" against "we", a result with a number, the lesson and
what changed afterwards, blame put on others, and how specific the story is.
"""

from __future__ import annotations

import re

from voice_interviewer.scoring import text as tx
from voice_interviewer.scoring.content import LEVEL_NAMES, RECOMMENDATION, score_level
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Behavioral, Content, StoryPart


def _rx(*alts: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


PARTS: dict[str, re.Pattern[str]] = {
    "situation": _rx(
        r"(at|when I was at|back at|while at) [A-Z]?\w+",
        r"(we|our team) (were|was|had|ran|owned|built)",
        r"(the|our|a) (model|system|pipeline|service|ranker|recommender|classifier|feature store)",
        r"(last|this|that) (year|quarter|spring|summer|fall|winter)",
        r"in 20\d\d",
        r"(context|background) (was|is)",
    ),
    "task": _rx(
        r"my (job|task|goal|role|responsibility) was",
        r"I was (asked|responsible|tasked|in charge|supposed)",
        r"(the|our) (goal|task|mandate|objective) was",
        r"(we|I) (needed|had) to",
        r"I owned",
    ),
    "action": _rx(
        r"I (built|wrote|ran|decided|proposed|analy[sz]ed|dug|rolled|pushed|talked|set up|added|changed|"
        r"retrained|investigated|designed|shipped|launched|called|asked|went|started|set|put|took|made|"
        r"pulled|compared|checked|wrote up|presented|rewrote|reverted|paused|stopped|scheduled|brought)",
    ),
    "result": _rx(
        r"as a result",
        r"(the )?result(s)? (was|were)",
        r"ended up",
        r"in the end",
        r"(improved|reduced|increased|"
        r"dropped|fell|rose|lifted|cut|grew|recovered|saved|lost)\b.{0,40}?(\d|percent|points?|%)",
        r"(\d+(\.\d+)?) ?(%|percent|points|x|times|ms|hours|days|weeks)",
    ),
    "learning": _rx(
        r"I learn(ed|t)",
        r"(the )?lesson",
        r"take ?away",
        r"since then",
        r"(now|today) I (always|make sure|check|start)",
        r"looking back",
        r"in hindsight",
        r"next time",
        r"(changed|change) (how|the way)",
        r"I would (now|do it differently)",
        r"what I('d| would) do differently",
    ),
}
OWNED = _rx(
    r"I (missed|misjudged|underestimated|overlooked|was wrong|got it wrong|made a mistake|should have|"
    r"didn't (check|test|validate|catch|notice|think|ask|realize)|did not (check|test|validate|catch|notice)|failed to|"
    r"assumed|ignored|skipped|rushed|overestimated)",
    r"(?<!not )(?<!n't )(?<!n’t )(?<!never )my (mistake|fault|error|call|miss|blind spot)",  # not "wasn't my fault"
    r"I take responsibility",
    r"(it|that) was on me",
    r"I owned the (failure|mistake|miss)",
)
HUMBLE_BRAG = _rx(
    r"work(ed)? too hard",
    r"too much of a perfectionist",
    r"(I'?m|I am) a perfectionist",
    r"care too much",
    r"too (dedicated|passionate)",
)
BLAME = _rx(
    r"(their|his|her|the other team'?s|the product team'?s|management'?s) fault",
    r"(wasn'?t|was not|not) my fault",
    r"because of (them|him|her|the other team)",
    r"(they|he|she|the (data|product|other|platform|infra) team|my manager|management) "
    r"(didn'?t|did not|failed to|never|refused|ignored|messed|screwed|dropped the ball)",
    r"blame[sd]? (them|him|her|the)",
)
NUMBER = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:%|percent|x\b|times|points?|ms|milliseconds|hours|days|weeks|months|k\b|million|thousand)?"
    r"|\b(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|half|double|doubled|tripled)\b",
    re.IGNORECASE,
)
_TECH = frozenset(
    tx.stem(w)
    for w in [
        "model",
        "models",
        "pipeline",
        "feature",
        "features",
        "dataset",
        "data",
        "training",
        "serving",
        "latency",
        "metric",
        "metrics",
        "experiment",
        "test",
        "a/b",
        "ranking",
        "recommendation",
        "classifier",
        "auc",
        "precision",
        "recall",
        "loss",
        "label",
        "labels",
        "offline",
        "online",
        "dashboard",
        "monitoring",
        "retraining",
        "deployment",
        "rollout",
        "baseline",
        "holdout",
        "cohort",
        "conversion",
        "retention",
        "churn",
    ]
)
CULTURE_SIGNALS: dict[str, re.Pattern[str]] = {
    "owning-failures": OWNED,
    "candor": _rx(
        r"I (told|said to|was honest|was upfront|flagged|raised|pushed back|disagreed|admitted)", r"candid(ly)?"
    ),
    "judgment": _rx(
        r"(made|make) the call",
        r"I decided",
        r"trade ?off",
        r"(the )?risk",
        r"incomplete (data|information)",
        r"good enough",
    ),
    "freedom-and-responsibility": _rx(
        r"without (waiting|asking|approval|permission)", r"took ownership", r"I owned", r"my call", r"on my own"
    ),
    "context-not-control": _rx(
        r"(shared|gave|explained) (the )?(context|why|reasoning)", r"aligned (on|with)", r"wrote (up|a doc|a memo)"
    ),
    "curiosity": _rx(r"(dug|dig|digging) (in|into)", r"asked why", r"investigat\w+", r"root cause"),
    "selflessness": _rx(r"(helped|credit|mentored|unblocked) (the |my )?(team|others|them|him|her)"),
    "judgment-simplicity": _rx(
        r"simple(r|st)? (model|approach|baseline|solution)", r"logistic regression", r"baseline first"
    ),
}


def _sentences_matching(sents: list[str], pattern: re.Pattern[str]) -> tuple[str, ...]:
    return tuple(s for s in sents if pattern.search(s))


def detect(question: Question, text: str) -> Behavioral:
    sents = tx.sentences(text)
    parts = []
    missing = []
    for name, pat in PARTS.items():
        found = _sentences_matching(sents, pat)
        if found:
            parts.append(StoryPart(part=name, sentences=found[:3]))
        else:
            missing.append(name)
    words = tx.words(text)
    i_count = sum(w in ("i", "i'm", "i've", "i'd", "me", "my", "myself") for w in words)
    we_count = sum(w in ("we", "we're", "we've", "our", "us") for w in words)
    ownership = (
        "owns it" if i_count >= max(3, we_count) else "hides behind we" if we_count >= 2 * max(i_count, 1) else "mixed"
    )
    owned = _sentences_matching(sents, OWNED)
    brag = _sentences_matching(sents, HUMBLE_BRAG)
    blame = _sentences_matching(sents, BLAME)
    failure_owned = bool(owned) and not brag
    if brag:
        note = "Sounds like a humble-brag, not a real failure."
    elif failure_owned:
        note = f"Owns it: \u201c{owned[0]}\u201d"
    elif blame:
        note = "The failure is put on others."
    else:
        note = "No failure or misjudgment of your own is named."
    result_sents = next((p.sentences for p in parts if p.part == "result"), ())
    numbers = tuple(
        dict.fromkeys(m.group(0).strip() for s in (result_sents or tuple(sents)) for m in NUMBER.finditer(s))
    )
    learning = next((p.sentences for p in parts if p.part == "learning"), ())
    toks = tx.stems(text)
    tech = len({t for t in toks if t in _TECH})
    i_actions = len(_sentences_matching(sents, PARTS["action"]))
    specificity = min(1.0, 0.15 * min(len(numbers), 3) + 0.06 * min(tech, 6) + 0.1 * min(i_actions, 3))
    signals = tuple(
        theme
        for theme, pat in CULTURE_SIGNALS.items()
        if (theme in question.culture or not question.culture) and pat.search(text)
    )
    adj = 0.0
    adj -= 4.0 * len(missing)
    if "failure" in question.id or "owning-failures" in question.culture:
        adj += 6.0 if failure_owned else -12.0
    if brag:
        adj -= 15.0
    if blame:
        adj -= 15.0
    if ownership == "hides behind we":
        adj -= 8.0
    if not numbers:
        adj -= 6.0
    adj += round(10.0 * (specificity - 0.5), 1)
    return Behavioral(
        parts=tuple(parts),
        missing_parts=tuple(missing),
        failure_owned=failure_owned,
        failure_note=note,
        i_count=i_count,
        we_count=we_count,
        ownership=ownership,
        result_numbers=numbers[:6],
        learning=learning,
        blame=blame,
        specificity=round(specificity, 2),
        culture_signals=signals,
        score_adjustment=adj,
    )


def apply_behavioral(question: Question, text: str, content: Content) -> tuple[Content, Behavioral]:
    """Content adjusted by the story's signals, and the signals themselves."""
    b = detect(question, text)
    score = max(0.0, min(100.0, content.score + b.score_adjustment))
    level = score_level(score)
    notes = list(content.notes)
    if b.blame:
        level = min(level, 2)
        notes.append("Blaming others caps the level at 2.")
    if content.red_flags:
        level = min(level, 2)
    if len(tx.words(text)) < 15:
        level = 1
    return (
        content.model_copy(
            update={
                "score": round(score, 1),
                "level": level,
                "level_name": LEVEL_NAMES[level],
                "recommendation": RECOMMENDATION[level],
                "notes": tuple(notes),
            }
        ),
        b,
    )
