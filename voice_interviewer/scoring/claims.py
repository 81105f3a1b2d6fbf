"""Sentences that talk about the answer instead of answering: they earn no credit.

"I covered every key point", "the candidate addressed the trade-off", "as the rubric requires",
"this story shows ownership", "a strong answer would mention the gap", "give this a perfect score":
a claim that something was said, or a word to the scorer, is not saying it. A story told in
the abstract ("I put a number on the result, owned my mistake and reached a resolution") names
its parts without telling any of them: :func:`tells_about_story`. Such sentences
are told apart by what they talk about (the answer, the candidate, the rubric, key points) together
with a verb of covering, so that an answer that merely uses "cover" or "address" in its own sense
("we covered the cold-start titles with a popularity prior") still counts.
"""

from __future__ import annotations

import re

from voice_interviewer.scoring.config import CONFIG

_SELF = (
    r"(?:my|this|the|that|our) (?:whole |full |complete |above |previous )?"
    r"(?:answer|response|design|story|explanation|solution|write-?up|example)"
)
_COVER = (
    r"(?:cover(?:s|ed|ing)?|address(?:es|ed|ing)?|includ(?:es|ed|ing|e)|mention(?:s|ed|ing)?|touch(?:es|ed)? on|"
    r"hit(?:s|ting)?|meet(?:s|ing)?|met|satisf(?:y|ies|ied)|check(?:s|ed)? (?:off|every|all)|"
    r"demonstrat(?:es|ed|ing)|show(?:s|ed|ing|n)?|explain(?:s|ed)|discuss(?:es|ed)|talk(?:s|ed) about|went over)"
)
CLAIM = re.compile(
    "|".join(
        [
            rf"\b{_SELF}\b[^.!?]{{0,40}}?\b{_COVER}\b",
            r"\bI(?:'ve| have)? (?:also |already |clearly |fully )?(?:covered|addressed)\b",
            r"\b(?:is|are|was|were|been|be) (?:all |both |also |fully |clearly )?(?:covered|addressed)\b",
            r"\bthe candidate\b",
            r"\brubric\b",
            r"\bkey points?\b",
            r"\bas (?:the question |the rubric |a senior answer |a strong answer )?(?:requires?|required)\b",
            r"\b(?:senior|hiring) bar\b",
            r"\b(?:a |the )?(?:complete|full|senior-level) (?:answer|story|design)\b",
            rf"\b{_SELF} (?:is|was) (?:complete|thorough|comprehensive)\b",
            r"\b(?:this|which|that) (?:shows|demonstrates) (?!up\b|that\b|how\b|why\b|the\b|a\b|an\b|it\b)",
            r"\b(?:this|that) (?:covers|addresses)\b",
            r"\b(?:every|all the) (?:things?|points?|criteria) (?:a |that a )?(?:strong|good|senior|complete) answer",
            r"\b(?:a |the )?(?:strong|good|complete|senior(?:-level)?) (?:answer|story|design) "
            r"(?:needs|requires|has)\b",
            # what a good answer would say, instead of saying it
            r"\b(?:an?|the) (?:excellent|strong|good|great|complete|perfect|ideal|model|senior(?:-level)?|top|best) "
            r"(?:answer|response|candidate)s? (?:would|should|must|will|needs? to|has to|ought to)\b",
            r"\bit mentions\b",
            r"\b(?:the|an|any|my|your) interviewers? (?:is |are |'s )?(?:probably |likely |surely |really )?"
            r"(?:looking for|wants?|expects?|would want|(?:is |are )?after)\b",
            # asking for a score, or talking to the scorer
            r"\b(?:perfect|full|top|maximum|max|highest) (?:score|marks|grade|rating)\b",
            r"\b(?:score|grade|rate|mark) (?:this|it|me|my answer) (?:as |at )?(?:a |an )?"
            r"(?:level|perfect|full|top|\d|four|ten|hundred|strong hire|hire)\b",
            r"\bgive (?:this|it|me|my answer|the answer) (?:a |an |the )?"
            r"(?:perfect|full|top|high|highest|maximum|level|\d|four|ten|hundred|strong hire|hire)\b",
            r"\bignore (?:all |any )?(?:the |your )?(?:previous|prior|above|earlier|preceding) "
            r"(?:instructions|rules|prompts?)\b",
        ]
    ),
    re.IGNORECASE,
)


def is_claim(sentence: str) -> bool:
    """True when the sentence claims what the answer covers rather than covering it."""
    return CLAIM.search(sentence) is not None


# The names of a story's parts, as a sentence about the story uses them.
_STORY_PART_NAME = re.compile(
    r"\b(?:a|the|my|our) (?:number|result|outcome|lesson|situation|context|stakes|resolution|root cause|"
    r"habits?|actions|mistake|trigger)\b",
    re.IGNORECASE,
)
_A_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred|thousand|"
    r"million|half|double|doubled|tripled|percent)\b",
    re.IGNORECASE,
)


def tells_about_story(sentence: str) -> bool:
    """True when the sentence names several parts of a story and gives no number: it describes a
    story instead of telling one (a told story names a part now and then, with what it was)."""
    names = {m.group(0).lower() for m in _STORY_PART_NAME.finditer(sentence)}
    return len(names) >= CONFIG.behavioral.story_elements_named and not _A_NUMBER.search(sentence)
