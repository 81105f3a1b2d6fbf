"""Behavioral answers: the story's parts and signals, detected directly in the sentences.

Similarity of a story to abstract rubric text ranks stories poorly, so this module looks for
what an interviewer writes down: the STAR/CARL parts and the sentences that carry them, a
failure owned (not a humble-brag), "I" against "we", a result with a number, the lesson and
what changed afterwards, blame put on others, and how specific the story is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from voice_interviewer.scoring import text as tx
from voice_interviewer.scoring.claims import is_claim, tells_about_story
from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Behavioral, Content, StoryPart


def _rx(*alts: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


_NUMBER_WORDS = (
    r"(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|half|a third|a quarter|double|doubled|tripled)"
)
# Common irregular verbs in the past tense: what someone did.
_IRREGULAR_DONE = (
    r"built|wrote|ran|dug|set up|set|put|took|made|went|told|showed|shown|sent|got|gave|kept|met|found|led|drew|"
    r"spoke|spent|brought|bought|caught|chose|cut|dropped|fought|flipped|held|hid|let|left|rolled|shut|split|"
    r"stood|stopped|sat|sought|taught|threw|undid|wrote up|rewrote|reran|rebuilt|broke|began|did"
)
# Past-tense verbs that say what someone thought or wanted, not what they did.
_STATES = r"(believed|wanted|liked|loved|hated|hoped|seemed|needed|used|preferred|expected|worried|feared)\b"
# Hesitation sounds between words ("I, uh, joined") hide a story's grammar from its patterns.
_FILLERS = re.compile(r"(,?\s*\b(?:um+|uh+|erm|er|hmm+|uh-huh)\b,?)+", re.IGNORECASE)


def _plain(sentence: str) -> str:
    """The sentence without hesitation sounds, for matching only."""
    return _FILLERS.sub("", sentence)


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
        r"my (job|task|goal|role|responsibility|part|piece|share) (was|of)",
        r"I was (asked|responsible|tasked|in charge|supposed)",
        r"(the|our) (goal|task|mandate|objective) was",
        r"(we|I) (needed|had) to",
        r"I owned",
    ),
    # "I" and a verb in the past tense: a regular one (not a state of mind) or a common irregular one
    "action": _rx(
        r"I (also |then |just |first |finally |\w+ly )?(" + _IRREGULAR_DONE + r"|(?!" + _STATES + r")\w{2,}ed)",
    ),
    "result": _rx(
        r"as a result",
        r"(the )?result(s)? (was|were)",
        r"ended up",
        r"in the end",
        r"(improved|reduced|increased|dropped|fell|rose|lifted|cut|grew|recovered|saved|lost|went (up|down|back)|"
        r"climbed|jumped|doubled|halved|came back|shrank|moved)\b.{0,50}?(\d|percent|points?|%|" + _NUMBER_WORDS + r")",
    ),
    "learning": _rx(
        r"I learn(ed|t)",
        r"(the )?lesson",
        r"take ?away",
        r"since then",
        r"(now|today|these days),? (I|when I|whenever I|every time I|each time I|before I)",
        r"ever since",
        r"from then on",
        r"looking back",
        r"in hindsight",
        r"next time",
        r"(changed|change) (how|the way)",
        r"I would (now|do it differently)",
        r"what I('d| would) do differently",
        r"if I (did|were to do|had to do|could do|started) (it|this|that|the project) (again|over)",
        r"I wish I('d| had)",
    ),
}
# Someone, me or others, did something in the past: the sentences of a told episode, as against a
# hypothetical ("I would check"), a habit ("I always speak up") or a claim about oneself.
ANYONE_ACTED = _rx(
    r"(I|we|they|he|she|the team|our team|my (manager|lead|team)|the (lead|owner|manager|director|PM|product manager))"
    r" (also |then |just |first |finally |all |quickly |\w+ly )?("
    + _IRREGULAR_DONE
    + r"|(?!"
    + _STATES
    + r")\w{2,}ed)",
)
# A measured amount alone makes a sentence a result only when it carries no other part.
# "%" ends it without a word boundary after it: a speech model writes "twelve percent" as "12%".
MEASURED = re.compile(
    r"\b(\d+(\.\d+)?|" + _NUMBER_WORDS + r") ?(%|(percent|points|x|times|ms|hours|days|weeks)\b)", re.IGNORECASE
)
# When one sentence matches several parts, it carries the most telling one only: what was
# learned, then what came of it, then what I did, what I had to do, and last the setting.
_PRIORITY = ("learning", "result", "action", "task", "situation")

OWNED = _rx(
    r"I (missed|misjudged|underestimated|overlooked|was wrong|got it wrong|made a mistake|should have|"
    r"didn't (check|test|validate|catch|notice|think|ask|realize)|did not (check|test|validate|catch|notice)|failed to|"
    r"assumed|ignored|skipped|rushed|overestimated)",
    r"(?<!not )(?<!n't )(?<!n’t )(?<!never )my (mistake|fault|error|call|miss|blind spot)",  # not "wasn't my fault"
    r"I take responsibility",
    r"(it|that) was on me",
    r"I (also )?owned (a|the|my|up to (a|the|my)) (failure|mistake|miss|error)",
    r"I (forgot|neglected|slipped)",
    r"I (didn[’']t|did not|hadn[’']t|had not) (?!agree|want|like|mind|care|blame)\w+",
    r"(?<!not )(?<!n't )my (misstep|slip|oversight|part in it)",
    r"where I (slipped|went wrong|messed up)",
    # the same in the past perfect or as what was never done: "I had assumed", "I'd missed", "I never checked"
    r"I( had|'d|’d) (assumed|missed|misjudged|overlooked|ignored|skipped|rushed|forgotten|"
    r"underestimated|overestimated)",
    r"I never (checked|tested|validated|asked|questioned|looked|considered|thought to)",
    r"(?<!not )my (part|share) (of|in) (the|that|this) (miss|mistake|failure|problem|outage|drop)",
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
    r"(the )?(problem|issue|real cause) was (the|their|another) (\w+ )?(team|engineers?|manager|vendor)",
    r"(it was|admit it was) their (change|mistake|bug|error)",
    r"without (telling|warning) (anyone|us|me)",
)
NUMBER = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:%|percent|x\b|times|points?|ms|milliseconds|hours|days|weeks|months|k\b|million|thousand)?"
    r"|\b(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|half|double|doubled|tripled)\b"
    # a small number in words counts with a unit after it ("two percent", "four days"), not alone ("one of them")
    r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen)\s(?:percent|points?|x\b|times|hours|"
    r"days|weeks|months|minutes|seconds)\b",
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


def _about_story(sentence: str) -> bool:
    return is_claim(sentence) or tells_about_story(sentence)


def story_part(sentence: str) -> str | None:
    """The one part of the story a sentence carries (None when it carries none)."""
    plain = _plain(sentence)
    hits = {name for name, pat in PARTS.items() if pat.search(plain)}
    if not hits and MEASURED.search(plain):
        return "result"
    return next((name for name in _PRIORITY if name in hits), None)


def _sentences_matching(sents: list[str], pattern: re.Pattern[str]) -> tuple[str, ...]:
    return tuple(s for s in sents if pattern.search(_plain(s)))


@lru_cache(maxsize=256)
def _signal_pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return _rx(*patterns)


def detect(question: Question, text: str, also: Mapping[str, Sequence[str]] | None = None) -> Behavioral:
    """The story's parts, ownership, numbers, lesson and the culture signals the question probes.

    ``also`` adds sentences that the rubric's own evidence found for a part (a key point shown
    by that part), so that the panel and the criteria agree.
    """
    cfg = CONFIG.behavioral
    every = tx.sentences(text)
    # a sentence about the story ("that covers the situation, the result and the lesson") tells
    # none of it: it carries no part, ownership, number or signal (blame and bragging still count)
    sents = [s for s in every if not _about_story(s)]
    text = " ".join(sents)
    carried: dict[str, list[str]] = {name: [] for name in PARTS}
    for sent in sents:
        part = story_part(sent)
        if part:
            carried[part].append(sent)
    for name, extra in (also or {}).items():
        if name in carried:
            carried[name] += [x for x in extra if x not in carried[name]]
            carried[name].sort(key=lambda x: sents.index(x) if x in sents else len(sents))
    parts = []
    missing = []
    for name in PARTS:
        if carried[name]:
            parts.append(StoryPart(part=name, sentences=tuple(carried[name][: cfg.sentences_per_part])))
        else:
            missing.append(name)
    words = tx.words(text)
    i_count = sum(w in ("i", "i'm", "i've", "i'd", "me", "my", "myself") for w in words)
    we_count = sum(w in ("we", "we're", "we've", "our", "us") for w in words)
    ownership = (
        "owns it"
        if i_count >= max(cfg.min_i_words, we_count)
        else "hides behind we"
        if we_count >= cfg.we_ratio * max(i_count, 1)
        else "mixed"
    )
    owned = _sentences_matching(sents, OWNED)
    brag = _sentences_matching(every, HUMBLE_BRAG)
    blame = _sentences_matching(every, BLAME)
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
    # the result's numbers come from the sentences that carry the result, and only from them
    numbers = tuple(dict.fromkeys(m.group(0).strip() for s in result_sents for m in NUMBER.finditer(s)))
    any_number = any(NUMBER.search(s) for s in sents)
    learning = next((p.sentences for p in parts if p.part == "learning"), ())
    toks = tx.stems(text)
    tech = len({t for t in toks if t in _TECH})
    i_actions = len(_sentences_matching(sents, PARTS["action"]))
    specificity = min(
        1.0,
        cfg.per_number * min(len(numbers), cfg.max_numbers)
        + cfg.per_tech_term * min(tech, cfg.max_tech_terms)
        + cfg.per_i_action * min(i_actions, cfg.max_i_actions),
    )
    # the rubric says which culture themes the question probes and what shows each one
    signals = tuple(
        theme for theme, pats in question.culture_signals.items() if _signal_pattern(tuple(pats)).search(text)
    )
    adj = 0.0
    adj += cfg.missing_part * len(missing)
    if question.asks_for_failure:
        adj += cfg.failure_owned if failure_owned else cfg.failure_not_owned
    if brag:
        adj += cfg.humble_brag
    if blame:
        adj += cfg.blame
    if ownership == "hides behind we":
        adj += cfg.hides_behind_we
    if not any_number:
        adj += cfg.no_numbers
    adj += round(cfg.specificity_weight * (specificity - cfg.specificity_centre), 1)
    return Behavioral(
        parts=tuple(parts),
        missing_parts=tuple(missing),
        failure_owned=failure_owned,
        failure_note=note,
        i_count=i_count,
        we_count=we_count,
        ownership=ownership,
        result_numbers=numbers[: cfg.numbers_shown],
        learning=learning,
        blame=blame,
        specificity=round(specificity, 2),
        culture_signals=signals,
        score_adjustment=adj,
    )


def story_evidence(question: Question, content: Content) -> dict[str, list[str]]:
    """Sentences the criteria credited for key points that a story part shows."""
    by_id = {k.id: k for _, k in question.points()}
    out: dict[str, list[str]] = {}
    for crit in content.criteria:
        for p in crit.covered:
            kp = by_id.get(p.id)
            if kp and kp.shown_by in PARTS:
                out.setdefault(kp.shown_by, []).extend(e.sentence for e in p.evidence if e.how != "story")
    return out


def story_panel(question: Question, text: str, evidence: Mapping[str, Sequence[str]]) -> Behavioral:
    """The panel, with the parts it missed but the criteria found (``evidence``: part -> sentences)."""
    first = detect(question, text)
    also = {part: list(v) for part, v in evidence.items() if part in first.missing_parts and v}
    return detect(question, text, also=also) if also else first


def episode(text: str) -> float:
    """How much of a told episode the answer is (0-1): its sentences where someone, me or the team,
    did something in the past, over a few (see BehavioralConfig.episode_full_sentences). A story of
    the team's actions is still a story (it is vague about who did what); a hypothetical, a habit or
    a claim about the story tells none, and an event said again is the same event."""
    sents = tx.sentences(text)
    again = tx.said_again([tx.stems(s) for s in sents])
    n = sum(
        1 for s, a in zip(sents, again, strict=True) if not a and not _about_story(s) and ANYONE_ACTED.search(_plain(s))
    )
    return round(min(1.0, n / CONFIG.behavioral.episode_full_sentences), 4)


def owned_sentence(text: str) -> str | None:
    return next((s for s in tx.sentences(text) if OWNED.search(_plain(s)) and not _about_story(s)), None)


def apply_behavioral(question: Question, text: str, content: Content) -> tuple[Content, Behavioral]:
    """The story panel for a scored behavioral answer (its signals are already in the score)."""
    return content, story_panel(question, text, story_evidence(question, content))
