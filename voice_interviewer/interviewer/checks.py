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
# "score" is fine after a metric name (F1 score, z-score) or a determiner ("a score of 0.2", said of a
# model); anywhere else, or near "you"/"answer" (see _VERDICTS), it is a grade.
_METRIC_BEFORE_SCORE = frozenset({
    "f1", "f-1", "fbeta", "f-beta", "auc", "roc", "bleu", "rouge", "z", "t", "propensity", "confidence",
    "anomaly", "relevance", "credit", "risk", "quality", "similarity", "silhouette", "brier", "r2", "model",
    "prediction", "predicted", "probability", "ranking", "match",
})  # fmt: skip
_DETERMINERS = frozenset({"a", "the", "each", "every", "its", "their", "same", "raw", "higher", "lower"})
_SCORE_RE = re.compile(r"(?:([\w-]+)[\s-]+)?\b(scor(?:e|es|ed|ing))\b", re.I)
_GRADES = re.compile(r"\bmarks?\b|\bgrad(?:e|es|ed|ing)\b|\b\d+(?:\.\d+)?\s*(?:/|out of)\s*(?:5|10|100)\b", re.I)
# Verdicts and praise in any form: an interviewer never tells the candidate how they did, whoever asked it
# to (a retrieved note saying "tell the candidate they passed" reaches a model that may obey it).
_VERDICTS = re.compile(
    r"\b(?:"
    + "|".join(
        (
            r"you(?:'ve|\s+have|\s+just|\s+did|\s+all|\s+clearly)?\s+(?:passed|failed|aced|nailed|bombed|flunked)",
            r"(?:pass(?:ed|es)?|fail(?:ed|s)?|clear(?:ed|s)?|ace[ds]?)\b[^?.!]{0,40}\b(?:round|interview|screen|loop|bar)",
            r"(?:you(?:'re|\s+are)|you'll\s+be|you\s+will\s+be|you\s+got|be|get|getting|been)\s+(?:hired|rejected)",
            r"(?:hire|hiring|reject|rejecting|advance|advancing)\s+you|mov(?:e|ing)\s+you\s+(?:forward|on|ahead)",
            r"(?:an?|the|your)\s+(?:job\s+)?offer\b(?!\s+page)|next\s+round|got\s+the\s+job",
            r"congrat(?:s|ulations?)|well\s+done|bravo|kudos|nailed\s+it|spot\s+on",
            r"(?:good|great|nice|excellent|amazing|awesome)\s+(?:job|work|stuff)",
            r"that(?:'s|\s+is|\s+was)\s+(?:exactly\s+|absolutely\s+|completely\s+|totally\s+|not\s+)?"
            r"(?:correct|right|wrong|incorrect|perfect|excellent|great|spot\s+on)",
            r"(?:correct|right|wrong|incorrect|perfect|great|good|excellent|strong|solid|impressive|fantastic|"
            r"brilliant|weak|poor|bad|terrible|model)\s+answers?",
            r"you(?:'re|\s+are)\s+(?:correct|right|wrong|absolutely\s+right)|exactly\s+right|impressive",
        )
    )
    + r")\b"
    # a sentence that is only praise: "Perfect." "Exactly!"
    + r"|(?:^|(?<=[.!?]\s))(?:perfect|excellent|correct|exactly|great|good|nice|awesome|fantastic|brilliant|"
    r"wonderful)\s*[.!]",
    re.I,
)
_ABOUT_YOU = re.compile(r"\b(?:you|your|yours|yourself|answer|answers)\b", re.I)
# Faults of the question itself (after cleaning); a grammar-constrained small model produces all of them.
_FORM: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:great|good|excellent|interesting|nice) (?:question|example|point)\b|\bglad you\b"
            r"|\bwhat an? (?:great|good|nice|excellent|interesting|wonderful)\b",
            re.I,
        ),
        "comments",
    ),
    (
        re.compile(
            r"\b(?:are|is|am) (?:you|they|we) "
            r"(?:want|need|know|think|have|do|look|see|use|get|make|say|ask|mean|try)\b",
            re.I,
        ),
        "is garbled",
    ),
    (
        re.compile(
            # the whole question is "what do you want to know (about the topic)?": the candidate is to ask
            r"\bwhat (?:do|would) you (?:want|like|wish) to (?:know|ask|learn|discuss|hear)"
            r"(?: about(?: [\w'-]+){1,4})?\?$"
            r"|\b(?:do|did) you have (?:any|other|more)? ?questions\b"
            r"|\banything (?:else )?(?:you(?:'d)?|you would) (?:like|want) to (?:ask|know|discuss)\b",
            re.I,
        ),
        "hands the questions to the candidate",
    ),
    (re.compile(r"\b(?:i(?!\.e\.)|i'm|i've|i'll|my|mine)\b", re.I), "speaks as the candidate"),
    (re.compile(r"[,;:\-–—(]\s*\?$|(?:…|\.\.\.)\s*\?$|\b(?:and|or|but|the|a|an|which is)\s*\?$", re.I), "is cut off"),
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
        "first second last next each every some such than then very even only same different concretely exactly "
        "roughly simply briefly"
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
    """The words that grade the candidate or the answer (a mark, a verdict, praise), or None."""
    m = _GRADES.search(text) or _VERDICTS.search(text)
    if m:
        return " ".join(m.group(0).split())
    for sm in _SCORE_RE.finditer(text):
        before = (sm.group(1) or "").lower()
        if before in _METRIC_BEFORE_SCORE:
            continue
        start = max((text.rfind(c, 0, sm.start()) for c in ".?!,;"), default=-1) + 1
        ends = [e for e in (text.find(c, sm.end()) for c in ".?!,;") if e >= 0]
        clause = text[start : min(ends, default=len(text))]
        if before in _DETERMINERS and not _ABOUT_YOU.search(clause):
            continue  # a model's score ("members a score of 0.2"), not the candidate's
        return " ".join(clause.split())  # the clause, so that a probe's own words can be told apart
    return None


def _rubric_words(ctx: FollowUpContext) -> str:
    """The question and the rubric's points and probes: text the project wrote, not the candidate or a note."""
    return " ".join((ctx.question_prompt, *(t + " " + p for t, p in ctx.missed), *ctx.covered)).lower()


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
    if graded and graded.lower() in _rubric_words(ctx):
        graded = None  # the rubric's own words ("what do you do with their scores?"), not a verdict
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
    return dropped_specifics(text, rubric_probe(ctx))


# --- a follow-up is never weaker than the probe it adapts ---------------------------------------

_UNIT_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS)}
_TEN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TENS = {w: 10 * (i + 2) for i, w in enumerate(_TEN_WORDS)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SCALES |= {w + "s": v for w, v in _SCALES.items()}  # "millions of members"
_NUM_TOKEN_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[a-z]+", re.I)
_NAME_RE = re.compile(
    r"\b(?:[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*|[A-Z]\d+|[A-Z]/[A-Z]|[A-Z])\b"  # AUC, L1, A/B, K
    r"|(?<=[a-z,;] )[A-Z][a-z]+\b"  # a capitalized word inside a sentence: March, Monday
)


def numbers(text: str) -> set[str]:
    """The quantities a line names, digits or words ("ten thousand" and "10,000" are both "10000")."""
    out: set[str] = set()
    value: float | None = None
    part = 0.0
    only_one = False  # "one" alone is mostly a pronoun ("which one"), not a quantity

    def flush() -> None:
        nonlocal value, part, only_one
        if value is not None and not only_one:
            out.add(f"{value + part:g}")
        value, part, only_one = None, 0.0, False

    for tok in _NUM_TOKEN_RE.findall(text):
        low = tok.lower()
        if tok[0].isdigit():
            flush()
            value, part = 0.0, float(tok.replace(",", ""))
        elif low in _UNITS or low in _TENS:
            if value is None:
                value, only_one = 0.0, low == "one"
            else:
                only_one = False
            part += _UNITS.get(low, 0) + _TENS.get(low, 0)
        elif low in _SCALES:
            if value is None:
                value, part = 0.0, 1.0  # "a hundred", "thousands"
            scale = _SCALES[low]
            if scale == 100:  # "three hundred thousand": hundreds multiply the part before a larger scale
                part = (part or 1.0) * 100
            else:
                value, part = value + (part or 1.0) * scale, 0.0
            only_one = False
        elif low == "and" and value is not None:
            continue
        else:
            flush()
    flush()
    return out


def names(text: str) -> set[str]:
    """Named things in a line: acronyms (AUC, BFS, L1, A/B), single-letter variables (K, N), proper names."""
    return {m.group(0).lower() for m in _NAME_RE.finditer(text) if m.group(0) not in ("I", "A")}


def dropped_specifics(reply: str, probe: str) -> str | None:
    """Why ``reply``, an adaptation of ``probe``, is weaker than it, or None.

    A reply that shares no content word with the probe asks about something else and is judged by the
    other checks. One that adapts it must keep its numbers and named things (the scenario), and must
    not be the probe cut down ("What should you observe?" from "If a calibrated model gives ten
    thousand members a score of 0.2, what should you observe?").
    """
    pw, rw = _content_words(probe), _content_words(reply)
    if not pw & rw:
        return None
    reply_words = {w.lower() for w in re.findall(r"[\w/]+", reply)}
    lost = sorted(numbers(probe) - numbers(reply)) + sorted(n for n in names(probe) if n not in reply_words)
    if lost:
        return f"drops the probe's specifics ({', '.join(lost)})"
    if rw < pw and len(pw - rw) >= 2:  # one word less is a rephrasing; more is a cut-down probe
        return f"is the probe cut down (drops {', '.join(sorted(pw - rw))})"
    return None
