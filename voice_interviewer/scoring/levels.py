"""Levels 1-4 from scores, and the one function that decides an answer's final level and its caps."""

from __future__ import annotations

from voice_interviewer.scoring.config import CONFIG

LEVEL_NAMES = {1: "poor", 2: "mixed", 3: "good", 4: "excellent"}
RECOMMENDATION = {1: "strong no hire", 2: "lean no hire", 3: "lean hire", 4: "strong hire"}

MISCONCEPTION_NOTE = "A stated misconception caps the level at 2, whatever else was covered."
TOO_SHORT_NOTE = f"Too short to judge (under {CONFIG.levels.min_words} words): an answer needs a few full sentences."
BLAME_NOTE = f"Blaming others caps the level at {CONFIG.levels.blame_cap}."
DEVELOPED_NOTE = "Explained at length on the key points: one level above the score's."
DODGED_NOTE = "The question asks for a failure of your own and the story owns none: the level is capped at 2."
TOLD_NOTE = "A real episode told with its events, though vague about your part: at least level 2."
REPEATED_NOTE = "Most of the answer repeats the same few terms: naming the points is not explaining them (level 1)."


def score_level(score: float) -> int:
    """The level of a 0-100 score, before any cap."""
    two, three, four = CONFIG.levels.score_cuts
    return 4 if score >= four else 3 if score >= three else 2 if score >= two else 1


def criterion_level(coverage: float) -> int:
    """The level of one criterion from the share (0-1) of its key points covered."""
    any_, half, most = CONFIG.levels.coverage_cuts
    return 1 if coverage <= any_ else 2 if coverage < half else 3 if coverage < most else 4


def final_level(
    score: float,
    *,
    words: int,
    misconception: bool,
    blame: bool = False,
    dodged: bool = False,
    developed: bool = False,
    repeated: bool = False,
    told: bool = False,
) -> tuple[int, tuple[str, ...]]:
    """The answer's level from its final score, with every cap applied once, and a note per cap.

    ``words`` is the answer's length in words; ``misconception`` whether it states a red flag;
    ``blame`` whether a behavioral story puts the failure on others; ``dodged`` whether a question
    that asks for a failure got a story that owns none (a success story, or a failure that was
    someone else's: the rubric's owning criterion stays at its lowest levels); ``developed``
    whether the answer explains the key points at length for its score's level (scoring.model): a
    level 2 or 3 is one higher, before the caps; ``repeated`` whether most of its content words are a
    few terms said again and again (:func:`repeats_terms`); ``told`` whether a behavioral answer tells
    a real episode, its events in the past, with no red flag and no blame (the descriptors' "mixed":
    a story with the team's actions but not mine; "poor" is no story, a hypothetical, blame or a
    misconception): its level is at least ``told_story_floor``, before the caps.
    """
    cfg = CONFIG.levels
    level = score_level(score)
    notes = []
    if developed and level in (2, 3):
        level += 1
        notes.append(DEVELOPED_NOTE)
    if told and level < cfg.told_story_floor:
        level = cfg.told_story_floor
        notes.append(TOLD_NOTE)
    if misconception:
        level = min(level, cfg.misconception_cap)
        notes.append(MISCONCEPTION_NOTE)
    if words < cfg.min_words:
        level = 1
        notes.append(TOO_SHORT_NOTE)
    if blame:
        level = min(level, cfg.blame_cap)
        notes.append(BLAME_NOTE)
    if dodged:
        level = min(level, cfg.dodged_cap)
        notes.append(DODGED_NOTE)
    if repeated:
        level = min(level, cfg.repeated_cap)
        notes.append(REPEATED_NOTE)
    return level, tuple(notes)


def repeats_terms(share: float, terms: int) -> bool:
    """Whether an answer with ``terms`` content words, ``share`` of them its three most frequent, only
    repeats a few terms (see LevelConfig.repeated_share)."""
    cfg = CONFIG.levels
    return terms >= cfg.repeated_min_terms and share >= cfg.repeated_share
