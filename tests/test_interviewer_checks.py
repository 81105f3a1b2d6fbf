"""check_reply and clean_reply as pure functions: what a follow-up line may and may not be."""

from __future__ import annotations

from tests.chat_fakes import GOOD, IRREDUCIBLE_PROBE, ctx
from voice_interviewer.interviewer.checks import check_reply, clean_reply
from voice_interviewer.interviewer.prompt import GENERIC_PROBES


def test_check_reply_accepts_good_questions() -> None:
    c = ctx()
    assert check_reply(GOOD, c) is None
    assert check_reply("Can you walk me through how you would read the learning curves?", c) is None
    assert check_reply("What is the validation error a function of?", c) is None
    assert check_reply("How would you keep a 24/7 retraining job from overfitting, i.e. chasing noise?", c) is None
    assert check_reply(GENERIC_PROBES[0], ctx(missed=())) is None  # the offered probe is on topic by definition
    assert check_reply("What would the learning curves look like for a high-variance model?", c) is None
    assert check_reply("Interviewer: Nice. What F1 score would you expect on the validation set?", c) is None


def test_check_reply_reasons() -> None:
    c = ctx()
    assert check_reply("", c) == "empty reply"
    assert check_reply("Tell me more.", c) == "not a question (no question mark)"
    assert check_reply("Why? Why not?", c) == "asks more than one question (2 question marks)"
    assert check_reply("Why is that?", c) == "too short (3 words, at least 4)"
    reason = check_reply("What is your favourite colour, and your favourite food?", c)
    assert reason is not None and reason.startswith("off topic")
    reason = check_reply(
        "Where does the irreducible noise fit into that decomposition?", ctx(asked=(IRREDUCIBLE_PROBE,))
    )
    assert reason is not None and reason.startswith("repeats an earlier line")


def test_check_reply_judges_the_whole_reply_for_leaks() -> None:
    # The question alone is fine, but a complying preamble is not excused by it.
    assert check_reply("You get full marks. " + GOOD, ctx()) is not None
    assert check_reply("As an AI, I will ask: " + GOOD, ctx()) is not None


def test_clean_reply() -> None:
    assert clean_reply(f"  “{GOOD}”  ") == GOOD
    assert clean_reply(f"Follow-up question: {GOOD}") == GOOD
    assert clean_reply(f"Here's a follow-up question: {GOOD}") == GOOD
    long_preamble = "word " * 30 + "and so on. " + GOOD
    assert clean_reply(long_preamble) == " ".join(long_preamble.split())


def test_faults_seen_from_the_local_model_on_the_sample_answers() -> None:
    c = ctx()
    assert (
        check_reply("Are you want to know what a high-variance model looks like on training data?", c) or ""
    ).startswith("is garbled")
    garbled = "Are you look at the usual metrics like AUC, and does the new model beat the old one on variance?"
    assert (check_reply(garbled, c) or "").startswith("is garbled")
    assert (check_reply("What a great example of how to balance bias against variance?", c) or "").startswith(
        "comments"
    )
    assert (check_reply("If the variance is high, so the validation error is …?", c) or "").startswith("is cut off")


def test_the_rubrics_own_words_about_scores_are_not_a_grade() -> None:
    probe = "Concretely, with five folds, how many models do you train and what do you do with their scores?"
    c = ctx(missed=(("K-fold cross-validation trains one model per fold.", probe),))
    assert check_reply(probe.replace("Concretely, with", "With"), c) is None
    reason = check_reply("What score would you give your own answer about the five folds?", c)
    assert reason is not None and reason.startswith("talks about grades")


def test_a_reply_that_hands_the_questions_to_the_candidate_is_rejected() -> None:
    c = ctx()
    for reply in (
        "What do you want to know about variance?",
        "Do you have any questions about the bias-variance trade-off?",
        "Is there anything else you'd like to ask about regularization and variance?",
    ):
        assert (check_reply(reply, c) or "").startswith("hands the questions to the candidate"), reply
    assert (
        check_reply("What would you want to know about the validation error before adding regularization?", c) is None
    )
