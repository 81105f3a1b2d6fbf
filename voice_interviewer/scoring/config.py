"""Every threshold and credit of scoring, in one frozen place, each with the reason behind it.

Values marked "hand-set" were chosen when the rubrics were written and checked only against the
project's own sample answers (tests/test_calibration_samples.py, the calibration check); they are not
measurements. Values marked "measured" name the measurement. Nothing else in
``voice_interviewer.scoring`` holds a number that changes a score, a level or a verdict, except
the score model's weights and cuts, which are fitted on the development set and live in
``scoring/fitted.json`` beside this file (refit: ``python -m voice_interviewer.scoring.fit DEVSET
--write``; see scoring/model.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TextConfig:
    """Sentence splitting and phrasing windows."""

    # A "a ... b" phrasing matches when its parts lie within this many words: about one clause
    # and a half of spoken English, so a point and its reason can sit in the same breath
    # without two unrelated clauses of a run-on sentence pairing up. Hand-set.
    window: int = 16
    # Speech has no full stops: a stretch longer than this many words is cut ...
    run_on_words: int = 45
    # ... at the last comma or "and/so/but" before this word, and not before `earliest_cut`,
    # so that a sentence stays about the length of a written one. Hand-set.
    cut_at: int = 40
    earliest_cut: int = 20


@dataclass(frozen=True)
class ContentConfig:
    """How much a piece of evidence for a key point is worth."""

    # Credit shown for a point covered by meaning only, at full closeness: less than a phrasing,
    # because closeness cannot fully tell a right statement from a wrong one. Hand-set.
    meaning_credit: float = 0.75
    # Closeness: a cosine below the first figure earns nothing, from the second full closeness,
    # linear between. MiniLM puts unrelated technical sentences near 0.2-0.4 and a paraphrase
    # of the same idea near 0.6-0.8. Hand-set from those ranges, not tuned on the set.
    meaning_band: tuple[float, float] = (0.45, 0.70)
    # A sentence close to a point but sharing none of its terms is half as convincing.
    meaning_without_terms: float = 0.5
    # A sentence must be closer to the point than to its misconceptions, the question's red flags
    # and the question itself by this much: a tie is within MiniLM's noise between paraphrases
    # (about 0.05), and a sentence that restates the topic is as near the question as the point.
    contrast_margin: float = 0.05
    # The reasoning and breadth features (scoring.model) are full at this many sentences (that
    # explain something about the topic; that carry a key point): about what a 60-90 s spoken
    # answer holds. Hand-set, not tuned on the set.
    reasoning_full_sentences: int = 6
    # A phrasing in a short sentence that explains nothing: the point is only named. Nothing:
    # naming the points is not answering (issue 10: "Also the train-validation gap." earned half).
    named_only_credit: float = 0.0
    # A sentence shorter than this many words that has no explaining word counts as naming only.
    named_only_max_words: int = 10
    # A phrasing inside a list of terms (a buzzword list) names points without explaining any:
    # nothing (issue 10: a list of the right buzzwords outscored a mixed answer at 0.25).
    list_credit: float = 0.0
    # A sentence is a list of terms when it has at least this many words and fewer than this
    # share of function words (written English runs at about 40-50 %). Hand-set.
    list_min_words: int = 5
    list_max_function_share: float = 0.2
    # A sentence of this many items or more (parts between commas, semicolons and colons) whose
    # items after the first hold fewer than `enumeration_max_function_share` function words is a
    # list too, whatever its lead-in ("For the design I'd think about X, Y, Z, ..."): an
    # explanation does not pack ten bare items into one sentence. Hand-set.
    enumeration_min_items: int = 10
    enumeration_max_function_share: float = 0.25
    # A spoken list that the speech model cut in two with a full stop is judged as one when both halves
    # have this many items or more: two lists in a row, not a sentence of a few parts beside a list.
    # Hand-set.
    split_list_min_items: int = 4
    # A sentence that says again what earlier ones said, this share of its pairs of words in a row or
    # more (with at least `repeat_min_words` content words), adds nothing: no point, no reasoning, no
    # length. Saying a good answer three times made it level 4 from level 3. Hand-set.
    repeat_share: float = 0.8
    repeat_min_words: int = 4
    # Items of at most this many words (after their opening "and" and article) name things; longer
    # ones have room to say something about them. Short items carry a claim on across a full stop and
    # keep a terse sentence a list of terms even when it has an explaining word. Hand-set.
    short_item_max_words: int = 5
    # A phrasing made only of the question's own words counts only if the sentence adds at
    # least this many content words of its own (otherwise it reads the question back).
    readback_min_new_words: int = 3
    # A red flag's phrasing preceded by a negation within this many words is not stated
    # ("it is a myth that more data always fixes bias"). Hand-set.
    negation_window: int = 8


@dataclass(frozen=True)
class LevelConfig:
    """From scores to levels 1-4, and the caps on them. One function applies them: levels.final_level."""

    # A 0-100 score at or above each cut reaches levels 2, 3 and 4: four equal bands. Hand-set.
    score_cuts: tuple[float, float, float] = (25.0, 50.0, 75.0)
    # A criterion's coverage (0-1) above the first cut is level 2; from the second, 3; from the
    # third, 4. "Above 0.01" means anything at all was covered. Hand-set.
    coverage_cuts: tuple[float, float, float] = (0.01, 0.5, 0.85)
    # A stated misconception caps the level: an interviewer does not pass a wrong claim.
    misconception_cap: int = 2
    # Blaming others in a behavioral story caps the level: a story that puts the failure on others
    # is poor by the descriptors (the owning criterion at its lowest) and reads as junior.
    blame_cap: int = 1
    # A question that asks for a failure, answered with a story that owns none (it ends in triumph,
    # or the cause was someone else's), caps the level: the owning criterion is at level 1-2.
    dodged_cap: int = 2
    # An answer shorter than this many words is too short to judge and is level 1.
    min_words: int = 15
    # An answer whose content words are mostly a few terms said again and again names the points
    # without explaining them ("bias and variance matter, the trade-off between bias and variance is
    # important..."): with at least repeated_min_terms content words, when its three most frequent
    # take repeated_share of them, the level is capped. In the development set (typed and spoken,
    # 390 answers that long) the share is at most 0.24, in good answers as in poor ones.
    repeated_min_terms: int = 40
    repeated_share: float = 0.3
    repeated_cap: int = 1
    # A behavioral answer that tells a real episode (its episode feature, scoring.behavioral.episode,
    # at least `told_story_episode`: three of four sentences of events) with no red flag and no
    # blame is at least this level: by the descriptors a story with the team's actions and not the
    # candidate's own is mixed (2); poor (1) is no story at all, a hypothetical, blame or a
    # misconception. Team-only stories scored 15-22 (level 1) for hiding behind "we".
    told_story_floor: int = 2
    told_story_episode: float = 0.75


@dataclass(frozen=True)
class BehavioralConfig:
    """Adjustments of a behavioral story's content score by what the story shows (points of 100)."""

    missing_part: float = -4.0  # each STAR/CARL part with no sentence carrying it
    failure_owned: float = 6.0  # a question that asks for a failure, and the story owns one
    failure_not_owned: float = -12.0  # ... and the story owns none: the question was dodged
    humble_brag: float = -15.0  # "I work too hard": a non-answer to a failure question
    blame: float = -15.0  # the failure put on others
    hides_behind_we: float = -8.0  # "we" at least twice as often as "I": whose actions?
    no_numbers: float = -6.0  # no number anywhere: the result cannot be sized
    # Specificity (0-1) moves the score by up to +-`specificity_weight`/2 around this centre.
    specificity_weight: float = 10.0
    specificity_centre: float = 0.5
    # Specificity: per number (up to 3), per technical term (up to 6), per "I did" sentence (up to 3).
    per_number: float = 0.15
    max_numbers: int = 3
    per_tech_term: float = 0.06
    max_tech_terms: int = 6
    per_i_action: float = 0.1
    max_i_actions: int = 3
    # "Owns it" takes at least this many first-person words and no fewer than "we" words;
    # "hides behind we" takes twice as many "we" words as "I" words.
    min_i_words: int = 3
    we_ratio: float = 2.0
    # A sentence naming this many parts of a story ("put a number on the result, owned my mistake")
    # and giving no number tells about the story instead of telling it: it carries nothing. Two
    # names happen in a real story ("the result was that my mistake got caught"); three did not,
    # in any told story of the development set or the samples.
    story_elements_named: int = 3
    # The episode feature of the score (scoring.model) is full at this many sentences in which
    # someone did something in the past: a few events make an episode. Hand-set (3 to 6 all
    # ranked the development set's stories better than without the feature).
    episode_full_sentences: int = 4
    # Shown on the story panel: sentences per part, numbers of the result.
    sentences_per_part: int = 3
    numbers_shown: int = 6


@dataclass(frozen=True)
class DeliveryConfig:
    """Verdicts on pace, fillers, pauses and length."""

    long_pause_s: float = 2.0  # a silence this long reads as lost on a call
    # The pace a coach advises ("aim for 130-160 words a minute"): easy to follow on a call.
    aim_wpm: tuple[float, float] = (130.0, 160.0)
    # The pace verdict: "slow" below the first figure, "fast" above the second, "good" between.
    # Wider than the advised band, so that a pace a little off the aim is not flagged. Hand-set.
    slow_below_wpm: float = 120.0
    fast_above_wpm: float = 175.0
    fluent_fpm: float = 1.5  # about one filler a minute is fluent
    hesitant_fpm: float = 4.0  # about five a minute sounds hesitant
    hedge_note_min: int = 3  # hedges in one answer before the card mentions them
    # Typed answers have no timings: their length is taken as if spoken at 144 words a minute.
    typed_words_per_s: float = 2.4


@dataclass(frozen=True)
class HeardConfig:
    """When a heard word may stand for a term of the question (spoken answers only; see scoring.heard)."""

    min_term_letters: int = 4  # shorter words are too easily alike ("bag" and "back")
    max_length_gap: int = 3  # letters; "I satanic" (8) for "isotonic" (8), "smoke" (5) for "smote" (5)
    # Nearly the same letters ("smagging" for "bagging": 0.8; "hell" for "held": 0.75 is not).
    min_letter_ratio: float = 0.8
    # Or the same sound key ("plot" and "platt": p-l-t) with at least half the letters shared.
    min_key_letters: int = 3
    min_ratio_same_sound: float = 0.5
    # A word the speech model gave a probability below this is one it was unsure of (on the
    # development set's transcripts, words that differ from what was said have a median of about
    # 0.5, words heard right about 0.96): it may match a term more loosely, with this share of
    # letters, or the same sound key with m/n and l/r merged and this share. Hand-set.
    unsure_below: float = 0.5
    # An everyday word (among the first this many whole words of the embedding model's vocabulary,
    # which is ordered by frequency: "model", "changes", "always", "week") heard with confidence is
    # taken as said when the term it resembles is an everyday word too ("middle" is not "model",
    # "weak" not "week"); slips towards rare terms ("smoke" for "smote") are still repaired. Hand-set.
    everyday_words: int = 8000
    unsure_letter_ratio: float = 0.7
    unsure_ratio_same_sound: float = 0.4


@dataclass(frozen=True)
class ScoringConfig:
    text: TextConfig = field(default_factory=TextConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    levels: LevelConfig = field(default_factory=LevelConfig)
    behavioral: BehavioralConfig = field(default_factory=BehavioralConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    heard: HeardConfig = field(default_factory=HeardConfig)


CONFIG = ScoringConfig()
