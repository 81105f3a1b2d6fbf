"""The one function that turns a score into the final level, and its caps."""

from __future__ import annotations

import pytest

from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.scoring.levels import (
    BLAME_NOTE,
    DEVELOPED_NOTE,
    DODGED_NOTE,
    MISCONCEPTION_NOTE,
    REPEATED_NOTE,
    TOLD_NOTE,
    TOO_SHORT_NOTE,
    final_level,
    repeats_terms,
    score_level,
)
from voice_interviewer.scoring.text import top_terms_share

LONG = CONFIG.levels.min_words + 5


@pytest.mark.parametrize(
    ("score", "level"),
    [(0.0, 1), (CONFIG.levels.score_cuts[0], 2), (CONFIG.levels.score_cuts[1] - 0.1, 2), (100.0, 4)],
)
def test_score_bands(score: float, level: int) -> None:
    assert score_level(score) == level
    assert final_level(score, words=LONG, misconception=False) == (level, ())


def test_each_cap_lowers_the_level_and_says_why() -> None:
    assert final_level(95.0, words=LONG, misconception=True) == (
        CONFIG.levels.misconception_cap,
        (MISCONCEPTION_NOTE,),
    )
    assert final_level(95.0, words=LONG, misconception=False, blame=True) == (CONFIG.levels.blame_cap, (BLAME_NOTE,))
    assert final_level(95.0, words=LONG - 10, misconception=False) == (1, (TOO_SHORT_NOTE,))
    assert final_level(95.0, words=LONG, misconception=False, dodged=True) == (CONFIG.levels.dodged_cap, (DODGED_NOTE,))
    # caps never raise a level
    assert final_level(10.0, words=LONG, misconception=True, blame=True)[0] == 1


def test_an_answer_explained_at_length_is_one_level_higher_from_mixed_or_good_only() -> None:
    poor, mixed, good = (c - 1 for c in CONFIG.levels.score_cuts)
    assert final_level(good, words=LONG, misconception=False, developed=True) == (4, (DEVELOPED_NOTE,))
    assert final_level(mixed, words=LONG, misconception=False, developed=True) == (3, (DEVELOPED_NOTE,))
    # a poor answer is not raised by its length, and nothing goes above 4
    assert final_level(poor, words=LONG, misconception=False, developed=True) == (1, ())
    assert final_level(99.0, words=LONG, misconception=False, developed=True) == (4, ())
    # the caps still apply after it
    assert final_level(good, words=LONG, misconception=True, developed=True)[0] == CONFIG.levels.misconception_cap


def test_the_configuration_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CONFIG.levels.min_words = 3  # type: ignore[misc]


def test_an_answer_that_repeats_a_few_terms_is_capped() -> None:
    cfg = CONFIG.levels
    assert final_level(95.0, words=LONG, misconception=False, repeated=True) == (cfg.repeated_cap, (REPEATED_NOTE,))
    share, terms = top_terms_share("Bias, bias and variance; variance of the model, the model's bias and noise.")
    assert terms == 8 and share == pytest.approx(7 / 8)  # bias x3, variance x2, model x2 of 8 content words
    assert not repeats_terms(share, terms)  # too few words to tell repetition from a short answer
    assert repeats_terms(cfg.repeated_share, cfg.repeated_min_terms)
    assert not repeats_terms(cfg.repeated_share - 0.01, 10 * cfg.repeated_min_terms)


def test_the_blame_note_names_the_level_it_caps_at() -> None:
    assert BLAME_NOTE.endswith(f"at {CONFIG.levels.blame_cap}.") and CONFIG.levels.blame_cap == 1


def test_a_told_story_is_at_least_mixed_before_the_caps() -> None:
    floor = CONFIG.levels.told_story_floor
    assert final_level(10.0, words=LONG, misconception=False, told=True) == (floor, (TOLD_NOTE,))
    assert final_level(60.0, words=LONG, misconception=False, told=True) == (3, ())  # a floor, never a raise
    assert final_level(10.0, words=LONG - 10, misconception=False, told=True)[0] == 1  # too short still decides
