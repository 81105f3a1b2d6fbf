"""The phrasing matcher the rubrics are written in: stems, syntax, adjacency, windows, alternatives."""

from __future__ import annotations

import pytest

from tests.conftest import make_question
from voice_interviewer.scoring import text as tx
from voice_interviewer.scoring.content import score_content


def match(phrasing: str, sentence: str) -> list[str] | None:
    """The spoken words a phrasing matched in one sentence, or None."""
    spoken = tx.words(sentence)
    idx = tx.match_phrasing(tx.parse_phrasing(phrasing), [tx.stem(w) for w in spoken])
    return None if idx is None else [spoken[i] for i in idx]


# --- stemming ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("models", "model"),
        ("trained", "train"),
        ("training", "train"),
        ("running", "run"),  # doubled consonant undone
        ("filled", "fill"),  # ...but not for l, s, z
        ("studies", "study"),
        ("studied", "study"),
        ("boxes", "box"),
        ("classes", "class"),
        ("status", "status"),  # -us is not a plural
        ("loss", "loss"),  # -ss is not a plural
        ("model's", "model"),
        ("Model’s", "model"),  # curly apostrophe, capitals
        ("overfitting", "overfit"),
        ("bus", "bus"),  # short words are left alone
        ("bias", "bias"),  # singular, like "biases" and "biased" below
        ("biases", "bias"),
        ("biased", "bias"),
        ("ten", "10"),  # number words are digits
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert tx.stem(word) == expected


@pytest.mark.parametrize(
    "forms",
    [
        ("remove", "removes", "removing", "removed"),  # a silent e goes as "-ing" and "-ed" take it
        ("change", "changes", "changing", "changed"),
        ("case", "cases"),
        ("size", "sizes", "sized"),
        ("cause", "causes", "caused"),
        ("sample", "samples", "sampled", "sampling"),
        ("movie", "movies"),
        ("rate", "rates", "rated", "rating"),
        ("embed", "embeds", "embedded", "embedding", "embeddings"),  # the plural of an "-ing" word too
        ("setting", "settings"),
        ("speed", "speeds"),  # "-eed" is not "-ed"
        ("exceed", "exceeds", "exceeded"),
        ("agree", "agrees", "agreed"),
        ("hundred", "hundreds"),
    ],
)
def test_every_form_of_a_word_has_one_stem(forms: tuple[str, ...]) -> None:
    assert len({tx.stem(w) for w in forms}) == 1, {w: tx.stem(w) for w in forms}


def test_no_word_becomes_a_function_word() -> None:
    # without its e, "note" would be the negation "not" and "here" the pronoun "her"
    assert {tx.stem(w) for w in ("note", "notes", "noted")} == {"note"}
    assert tx.stem("here") != tx.stem("her")
    assert tx.stem("there") in tx.STOPWORDS and tx.stem("more") in tx.STOPWORDS


def test_a_phrasing_matches_every_form_of_its_words() -> None:
    assert match("remove ... tail", "removing the tail node is constant time") == ["removing", "tail"]
    assert match("change* ... (label|labels)", "the labels changed") == ["labels", "changed"]
    assert match("rate*", "we rated it") == ["rated"]  # a four-letter word with its e: the stem "rat"
    assert match("rate*", "the ratio of the two") is None  # ...and not a prefix of other words
    assert match("care*", "careful tuning") == ["careful"]
    # a prefix that is a word matches that word: "embedding" is the stem "embed"
    assert match("embedding*", "a title embedding") == ["embedding"]
    assert match("embedding*", "title embeddings") == ["embeddings"]
    assert match("setting*", "in that setting") == ["setting"]
    assert match("zero*", "weights at zero") == ["zero"]


def test_both_sides_of_a_match_are_stemmed() -> None:
    assert match("train model", "we trained models every night") == ["trained", "models"]
    assert match("trained models", "training the model") is None  # "the" sits between them
    assert match("trained models", "after training models") == ["training", "models"]


def test_number_words_match_whichever_way_they_are_written() -> None:
    # Whisper writes "10", a typed answer may say "ten"; a rubric may use either.
    assert match("ten percent", "it rose by 10 percent") == ["10", "percent"]
    assert match("ten percent", "it rose by ten percent") == ["ten", "percent"]
    assert match("cost of (a|an|one) false positive*", "the cost of one false positive is high") is not None


def test_decimal_numbers_can_be_written_in_a_phrasing() -> None:
    # the tokenizer keeps "0.5" as one word, so a rubric must be able to name it
    assert tx.words("a threshold of 0.5 and 95%") == ["a", "threshold", "of", "0.5", "and", "95%"]
    assert match("threshold of (0.5|0.9)", "a threshold of 0.5 works") == ["threshold", "of", "0.5"]
    assert match("threshold of (0.5|0.9)", "a threshold of 5 works") is None


# --- syntax --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ("trade-off", "trade-off"),
        ("bias ... trade-off", "trade-off"),
        ("(auc|log loss)", "(auc|log"),
        ("(a | b)", "(a"),
        ("precision, recall", "precision,"),
        ("(single)", "(single)"),
    ],
)
def test_bad_syntax_names_the_word(raw: str, bad: str) -> None:
    with pytest.raises(ValueError, match="bad word") as e:
        tx.parse_phrasing(raw)
    assert repr(bad) in str(e.value)


@pytest.mark.parametrize("raw", ["bias ... ", "... bias", "a ...  ... b", ""])
def test_empty_part_is_an_error(raw: str) -> None:
    with pytest.raises(ValueError, match="empty part"):
        tx.parse_phrasing(raw)


def test_parse_structure() -> None:
    p = tx.parse_phrasing("High variance ... (model|estimator*) complex*")
    assert len(p.parts) == 2
    assert len(p.parts[0]) == 2 and len(p.parts[1]) == 2
    alt = p.parts[1][0]
    assert alt.options == (("model", False), ("estimator", True))
    assert p.parts[1][1].options == (("complex", True),)
    assert p.parts[0][0].options == (("high", False),)  # lower-cased


# --- matching ------------------------------------------------------------------------------


def test_adjacent_words_must_be_next_to_each_other_in_order() -> None:
    assert match("false positives", "too many false positives here") == ["false", "positives"]
    assert match("false positives", "false and positive") is None
    assert match("false positives", "positives that are false") is None


def test_window_allows_any_order_within_the_window() -> None:
    # the matched words come back in the order they were spoken
    assert match("high variance ... overfit*", "the model overfits because of high variance") == [
        "overfits",
        "high",
        "variance",
    ]
    near = " ".join(["word"] * 10)
    assert match("high variance ... overfit*", f"overfitting {near} with high variance") is not None
    far = " ".join(["word"] * 20)
    assert match("high variance ... overfit*", f"high variance {far} overfit") is None


def test_window_width_is_exactly_window_words() -> None:
    def gap(n: int) -> str:
        return "alpha " + " ".join(["x"] * n) + " omega"

    # the span covers both parts: 1 + n + 1 words
    assert match("alpha ... omega", gap(tx.WINDOW - 2)) is not None
    assert match("alpha ... omega", gap(tx.WINDOW - 1)) is None


def test_window_picks_the_closest_occurrences() -> None:
    far = " ".join(["x"] * 30)
    sentence = f"bias at first {far} then bias again and too simple"
    got = match("bias ... too simple", sentence)
    assert got == ["bias", "too", "simple"]
    idx = tx.match_phrasing(tx.parse_phrasing("bias ... too simple"), tx.stems(sentence))
    assert idx is not None and idx[0] > 30  # the second "bias", not the first


def test_every_part_must_be_present() -> None:
    assert match("bias ... variance ... noise", "bias and variance") is None
    assert match("bias ... variance ... noise", "noise, bias and variance") == ["noise", "bias", "variance"]


def test_alternatives() -> None:
    assert match("(model|estimator*) complex*", "the estimators complexity") == ["estimators", "complexity"]
    assert match("(model|estimator*) complex*", "model complex") == ["model", "complex"]
    assert match("(model|estimator*) complex*", "network complexity") is None


def test_prefixes() -> None:
    for w in ("overfit", "overfits", "overfitting", "overfitted"):
        assert match("overfit*", f"it {w} badly") == [w], w
    assert match("overfit*", "it over fits") is None
    assert match("regulari*", "add Regularization") == ["regularization"]
    assert match("regulari*", "it is regular") is None


@pytest.mark.parametrize("word", ["reduce", "reduces", "reduced", "reducing", "reduction"])
def test_prefix_ending_in_e_matches_every_form(word: str) -> None:
    # stems drop the final e ("reduced" -> "reduc"); a prefix must still match every form
    assert match("reduce* ... bias", f"it {word} the bias") == [word, "bias"]
    assert match("(increase*|raise*) variance", f"it {word} variance") is None


def test_short_prefix_ending_in_e_is_kept() -> None:
    assert match("cure*", "a cure") == ["cure"]
    assert match("cure*", "the current model") is None


def test_exact_word_does_not_match_a_longer_word() -> None:
    assert match("bias", "biases") == ["biases"]  # same stem
    assert match("bias", "biased") == ["biased"]
    assert match("var", "variance") is None  # exact words are not prefixes


# --- sentences -----------------------------------------------------------------------------


def test_sentences() -> None:
    assert tx.sentences("Bias is high. Variance is low! Really? yes") == [
        "Bias is high.",
        "Variance is low!",
        "Really?",
        "yes",
    ]
    assert tx.sentences("one line\nanother line") == ["one line", "another line"]
    long = " ".join(f"w{i}" for i in range(100))
    parts = tx.sentences(long)
    assert len(parts) >= 3 and all(len(p.split()) <= 45 for p in parts)
    assert " ".join(parts) == long


def test_a_dotted_acronym_is_one_word_and_ends_a_sentence_only_before_a_new_one() -> None:
    """Speech models write letters said one by one with dots ("B.F.S."); typists write "e.g."."""
    heard = "I think the B.F.S. Yeah, and D.F.S. is the other one. Run an A.B. test, e.g. on new members."
    assert tx.sentences(heard) == [
        "I think the BFS.",
        "Yeah, and DFS is the other one.",
        "Run an AB test, eg on new members.",
    ]
    assert tx.words("D.F.S. is") == ["dfs", "is"]
    assert match("(bfs|breadth) search", "I'd use B.F.S. search here") == ["bfs", "search"]
    assert match("ab test", "Run an A.B. test.") == ["ab", "test"]
    assert tx.undotted("No acronym here. A sentence. U.S.") == "No acronym here. A sentence. US"


def test_spoken_sentences_join_a_part_that_continues_the_one_before() -> None:
    heard = "Look at the data first. Because that is where problems come from. Then check the features."
    assert tx.sentences(heard) == [
        "Look at the data first.",
        "Because that is where problems come from.",
        "Then check the features.",
    ]
    assert tx.sentences(heard, spoken=True) == [
        "Look at the data first. Because that is where problems come from.",
        "Then check the features.",
    ]
    # spoken, "that's" carries on the thought too; a new line (the next answer) never joins
    heard = "It misses real patterns on its own training data. That's high bias.\nThat's the first case."
    assert tx.sentences(heard, spoken=True) == [
        "It misses real patterns on its own training data. That's high bias.",
        "That's the first case.",
    ]
    # never past the run-on limit
    long = " ".join(f"w{i}" for i in range(40)) + ". And " + " ".join(f"v{i}" for i in range(20)) + "."
    assert all(len(p.split()) <= 45 for p in tx.sentences(long, spoken=True))


def test_no_match_across_sentences_in_scoring() -> None:
    q = make_question(["high variance ... overfit*"])
    apart = "The model has high variance in the results. It overfits on the small dataset we had last year."
    together = "The model has high variance, so it overfits on the small dataset because it memorizes it."
    missed = score_content(q, apart)
    assert missed.criteria[0].covered == ()
    assert [p.id for p in missed.criteria[0].missed] == ["point"]
    hit = score_content(q, together)
    (point,) = hit.criteria[0].covered
    assert point.evidence[0].matched == ("high", "variance", "overfits")
    assert point.evidence[0].sentence == together
