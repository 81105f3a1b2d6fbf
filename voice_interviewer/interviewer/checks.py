"""Whether a chat model's reply can be said to the candidate: form, leaks, grades, repeats, topic.

:func:`check_reply` returns why a reply cannot be used (or None); :func:`clean_reply` is the
question a usable reply asks, with quotes, speaker prefixes and a short preamble removed. A
small grammar-constrained model produces every fault listed here, and a provider model that
obeys an instruction hidden in the answer or in a retrieved note would produce the rest.
"""

from __future__ import annotations

import re

from voice_interviewer.interviewer.prompt import (
    EXAMPLE_TOPIC,
    PROMPT_WORDS,
    REPEAT_JACCARD,
    FollowUpContext,
    jaccard,
    rubric_probe,
)
from voice_interviewer.scoring.text import STOPWORDS, stems

MAX_WORDS = 45  # a follow-up longer than this is a speech, not a question
MIN_WORDS = 4
MAX_PREAMBLE_WORDS = 25  # "Good point about X." before the question is dropped; longer text is kept (and judged)

# --- the checks ------------------------------------------------------------------------

_PREFIX_RE = re.compile(
    r"^\s*(?:\*\*)?(?:interviewer|assistant|ai|me|follow[- ]?up(?:\s+question)?|question|q|"
    r"(?:here\s+is|here's)\s+(?:a|my|one|the)\s+(?:short\s+)?(?:follow[- ]?up\s+)?question)"
    r"\s*(?:\*\*)?\s*[:\-–—]\s*",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’`«»*"
_SENTENCE_END_RE = re.compile(r"(?<=[.!?:])(?<!\bi\.e\.)(?<!\be\.g\.)(?<!\bvs\.)\s+|\n+", re.I)
_ECHO = "|".join(
    [re.escape(w) for w in PROMPT_WORDS]
    + [r"reference notes|missed point|rubric probe|the answer missed|\bthe candidate\b|^\s*(?:missed|covered)\s*:"]
)
_LEAKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"system\s+prompt|\binstructions?\b", re.I), "talks about its instructions"),
    (re.compile(r"\bas an ai\b|language model|\bai (?:model|assistant)\b", re.I), "talks about being an AI"),
    (re.compile(r"\bi (?:cannot|can't|can not|am unable|won't)\b|\bi'm (?:sorry|unable)\b", re.I), "refuses"),
    (re.compile(r"<\|?/?\s*[a-z_]+\s*\|?>|\[/?inst\]", re.I), "contains role or markup tags"),
    (re.compile(r"^\s*(?:system|user|assistant|human|candidate)\s*:", re.I | re.M), "contains a role tag"),
    (re.compile(r"^\s*#{1,6}\s", re.M), "contains a markdown heading"),
    (re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M), "contains a list"),
    (re.compile(_ECHO, re.I | re.M), "echoes the prompt"),
)
# "score" is fine after a metric name (F1 score, z-score, propensity score); anywhere else it is a grade.
_METRIC_BEFORE_SCORE = frozenset({
    "f1", "f-1", "fbeta", "f-beta", "auc", "roc", "bleu", "rouge", "z", "t", "propensity", "confidence",
    "anomaly", "relevance", "credit", "risk", "quality", "similarity", "silhouette", "brier", "r2", "model",
    "prediction", "predicted", "probability", "ranking", "match",
})  # fmt: skip
_SCORE_RE = re.compile(r"(?:([\w-]+)[\s-]+)?\b(scor(?:e|es|ed|ing))\b", re.I)
_GRADES = re.compile(r"\bmarks?\b|\bgrad(?:e|es|ed|ing)\b|\b\d+(?:\.\d+)?\s*(?:/|out of)\s*(?:5|10|100)\b", re.I)
# Faults of the question itself (after cleaning); a grammar-constrained small model produces all of them.
_FORM: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:great|good|excellent|interesting) question\b|\bglad you\b", re.I), "comments"),
    (re.compile(r"\b(?:i(?!\.e\.)|i'm|i've|i'll|my|mine)\b", re.I), "speaks as the candidate"),
    (re.compile(r"[,;:\-–—(]\s*\?$|\b(?:and|or|but|the|a|an|which is)\s*\?$", re.I), "is cut off"),
    (re.compile(r'^[^"]*"[^"]*$'), "has an unbalanced quote"),
)
# Words too generic to show that a reply is on topic.
_GENERIC = frozenset(
    stems(
        "explain example examples describe tell talk walk share think thing things something anything everything "
        "would could should might will make made take give gave know mean means way ways case cases kind sort "
        "good better best great well really actually maybe just also further more most much many time times "
        "question questions answer answers interview interviewer candidate point points specific specifically "
        "approach decide choose work worked working happen happened there here what when where which while with "
        "your yours their them they this that these those from into about over under again still other another "
        "first second last next each every some such than then very even only same different"
    )
)


def _content_words(text: str) -> set[str]:
    return {s for s in stems(text) if len(s) > 3 and s not in STOPWORDS and s not in _GENERIC}


def _sentences(text: str) -> list[str]:
    return [p.strip() for p in _SENTENCE_END_RE.split(text.strip()) if p.strip()]


def clean_reply(reply: str) -> str:
    """The question a reply asks: quotes, speaker prefixes and a short preamble removed.

    "Interviewer: Good start. What would the learning curves look like? Take your time." becomes
    "What would the learning curves look like?". Text after the one question (models comment on
    their own question) is dropped; a long preamble is kept, so that :func:`check_reply` judges it.
    """
    text = reply.strip()
    qpos = text.find("?")
    if qpos >= 0 and "?" not in text[qpos + 1 :]:
        text = text[: qpos + 1]  # what follows the one question is commentary, never spoken
    parts = _sentences(text)
    if len(parts) > 1 and parts[-1].rstrip(_QUOTES).endswith("?"):
        preamble = " ".join(parts[:-1])
        if "?" not in preamble and len(preamble.split()) <= MAX_PREAMBLE_WORDS:
            text = parts[-1]
    for _ in range(3):
        text = _PREFIX_RE.sub("", text.strip().strip(_QUOTES).strip())
    return " ".join(text.split())


def _grade_talk(text: str) -> str | None:
    m = _GRADES.search(text)
    if m:
        return m.group(0)
    for sm in _SCORE_RE.finditer(text):
        if (sm.group(1) or "").lower() not in _METRIC_BEFORE_SCORE:
            return sm.group(2)
    return None


def check_reply(reply: str, ctx: FollowUpContext) -> str | None:
    """Why the model's reply cannot be said to the candidate, or None when it can.

    Looks at the whole reply for prompt leaks and grades (a complying preamble is not excused by a
    good question after it), and at the cleaned question (:func:`clean_reply`) for form, repeats
    and topic.
    """
    raw = reply.strip()
    if not raw.strip(_QUOTES + " \n"):
        return "empty reply"
    for rx, why in _LEAKS:
        m = rx.search(raw)
        if m:
            return f"{why} ({m.group(0).strip()!r})"
    graded = _grade_talk(raw)
    if graded:
        return f"talks about grades ({graded!r})"
    n_q = raw.count("?")
    if n_q == 0:
        return "not a question (no question mark)"
    if n_q > 1:
        return f"asks more than one question ({n_q} question marks)"
    text = clean_reply(raw)
    if not text.endswith("?"):
        return "does not end with its question"
    n_words = len(text.split())
    if n_words > MAX_WORDS:
        return f"too long ({n_words} words, at most {MAX_WORDS})"
    if n_words < MIN_WORDS:
        return f"too short ({n_words} words, at least {MIN_WORDS})"
    for rx, why in _FORM:
        m = rx.search(text)
        if m:
            return f"{why} ({m.group(0).strip()!r})"
    whole = " ".join(_PREFIX_RE.sub("", raw).split())
    for earlier in (*ctx.asked, ctx.question_prompt):
        for line in {earlier, *_sentences(earlier)}:
            overlap = max(jaccard(text, line), jaccard(whole, line))
            if overlap >= REPEAT_JACCARD:
                return f"repeats an earlier line (word overlap {overlap:.2f}): {earlier!r}"
    topic = _content_words(
        " ".join(
            (
                ctx.question_prompt,
                ctx.transcript,
                *(t + " " + p for t, p in ctx.missed),
                *ctx.covered,
                *ctx.retrieved,
                rubric_probe(ctx),  # the probe the prompt offers to adapt
            )
        )
    )
    words = _content_words(text)
    if not words & topic:
        return "off topic (shares no content word with the question, the answer or the rubric)"
    borrowed = sorted((words & EXAMPLE_TOPIC) - topic)
    if borrowed:
        return f"borrows from the worked examples ({', '.join(borrowed)})"
    return None
