"""Speech-model slips on the question's terms: heard through towards the question's own vocabulary, with
the heard and the matched word shown, and everyday words heard with confidence left as said."""

from __future__ import annotations

from tests.conftest import make_question
from voice_interviewer.retrieval.embeddings import MiniLMEmbedder
from voice_interviewer.scoring import text as tx
from voice_interviewer.scoring.content import score_content
from voice_interviewer.scoring.evidence import prepare
from voice_interviewer.scoring.heard import everyday_words, repairs, sound_key, term_for, vocabulary
from voice_interviewer.types import Word


def test_sound_keys_merge_what_a_small_speech_model_confuses() -> None:
    assert sound_key("plot") == sound_key("platt")
    assert sound_key("isatanic") == sound_key("isotonic")
    assert sound_key("model") != sound_key("bagging")


def test_slips_are_repaired_towards_the_questions_terms_only() -> None:
    vocab = frozenset({"smote", "isotonic", "platt", "scaling", "bagging"})
    heard = [
        "we",
        "used",
        "i",
        "satanic",
        "regression",
        "or",
        "plot",
        "scaling",
        "and",
        "tried",
        "smoke",
        "and",
        "smagging",
        "once",
    ]
    got = {(r.heard, r.term) for r in repairs(heard, vocab)}
    assert got == {("i satanic", "isotonic"), ("plot", "platt"), ("smoke", "smote"), ("smagging", "bagging")}
    # words of the question stay, and nothing turns into a term the question does not use
    assert repairs(["we", "tried", "smoke", "and", "mirrors"], frozenset({"precision"})) == []


def test_a_slip_as_close_to_two_terms_is_repaired_the_same_way_every_time() -> None:
    # "heapq" is as close to "heaps" as to "heapz": the first in alphabetical order, whatever the
    # set's order (which changes with the process's hash seed)
    for vocab in (frozenset(["heaps", "heapz"]), frozenset(["heapz", "heaps"]), frozenset(["heapz", "heaps", "tree"])):
        assert [r.term for r in repairs(["the", "heapq"], vocab)] == ["heaps"]


def test_a_word_the_speech_model_was_unsure_of_matches_more_loosely() -> None:
    vocab = frozenset({"viewing", "history", "bandit"})
    heard = ["we", "used", "mewing", "history"]
    assert repairs(heard, vocab) == []  # heard with confidence (or no probabilities): left alone
    assert repairs(heard, vocab, [0.9, 0.9, 0.95, 0.9]) == []
    (fix,) = repairs(heard, vocab, [0.9, 0.9, 0.3, 0.9])
    assert (fix.heard, fix.term) == ("mewing", "viewing")
    # unsure is not anything: a word that sounds different stays what it is
    assert repairs(["the", "mandate", "was", "clear"], vocab, [0.9, 0.2, 0.9, 0.9]) == []
    # nor does a function or explaining word, or two words run together
    assert repairs(["because", "so", "it"], frozenset({"recurse", "omit"}), [0.2, 0.2, 0.2]) == []


def test_an_answer_scored_again_with_more_words_looks_up_only_the_new_ones() -> None:
    # while the candidate talks the answer is scored at each pause, then at the end: the heard words
    # already matched against the question's terms are not matched again
    vocab = frozenset({"isotonic", "platt", "calibration", "reliability"})
    before = ["we", "used", "i", "satanic", "regression", "then", "plot", "scaling"]
    first = repairs(before, vocab)
    term_for.cache_clear()
    assert repairs(before, vocab) == first
    misses = term_for.cache_info().misses
    again = repairs([*before, "reliabilty"], vocab)
    assert again[: len(first)] == first and (again[-1].heard, again[-1].term) == ("reliabilty", "reliability")
    assert term_for.cache_info().misses - misses == 2  # "reliabilty", and "scaling" run together with it


def test_a_phrasings_word_stem_is_no_term_and_the_words_it_matches_are_left_alone() -> None:
    q = make_question(["monoton* (transform*|rescal*)"], prompt="What is calibration?")
    vocab = vocabulary(q)
    assert "monoton" not in vocab and "transform" not in vocab  # stems, not words anyone says
    heard = ["any", "monotonic", "transformation", "equals", "the", "same"]
    assert repairs(heard, vocab | {"equal"}) == []  # forms of the question's words: nothing misheard
    assert [(r.heard, r.term) for r in repairs(["the", "monotone", "smoke"], vocab | {"smote"})] == [("smoke", "smote")]


def test_a_compound_the_speech_model_wrote_apart_is_the_term() -> None:
    vocab = frozenset({"overfits", "autoplay", "offline", "play", "long", "term"})
    got = [(r.heard, r.term) for r in repairs(["it", "over", "fits", "with", "auto", "play"], vocab)]
    assert got == [("over fits", "overfits"), ("auto play", "autoplay")]  # "play" alone is a term too
    # "line" alone is alike "online"; "off line" together is "offline"
    assert [(r.heard, r.term) for r in repairs(["check", "off", "line"], vocab | {"online"})] == [
        ("off line", "offline")
    ]
    # both parts words of the question: said the way its phrasings say it
    assert repairs(["the", "long", "term", "effect"], vocab | {"longterm"}) == []
    assert repairs(["usually", "a", "long", "path"], frozenset({"along", "long"})) == []  # an article is an article
    # a phrasing's word stem joins two words only if it reaches into the second one
    q = make_question(["precomput* neighbor*"], prompt="What is similar?")
    stems = vocabulary(q)
    assert [(r.heard, r.term) for r in repairs(["pre", "computed", "once"], stems)] == [("pre computed", "precomputed")]
    assert repairs(["neighbors", "are", "close"], stems) == []


def test_an_everyday_word_heard_with_confidence_is_not_taken_for_another_everyday_word() -> None:
    vocab = frozenset({"model", "smote"})
    common = {"middle", "model", "smoke"}.__contains__
    heard = ["the", "middle", "of", "smoke"]
    assert [r.term for r in repairs(heard, vocab)] == ["model", "smote"]  # without the word list
    # "middle" and "model" are both words people say: kept; "smote" is a rare term: repaired
    assert [r.term for r in repairs(heard, vocab, [0.9] * 4, common)] == ["smote"]
    # unless the speech model itself was unsure of the word it wrote
    assert [r.term for r in repairs(heard, vocab, [0.9, 0.3, 0.9, 0.9], common)] == ["model", "smote"]


def test_the_embedding_vocabulary_ranks_everyday_words_before_terms(embedder: MiniLMEmbedder) -> None:
    everyday = everyday_words(embedder.word_rank)
    assert all(everyday(w) for w in ("model", "always", "changes", "week", "middle"))
    assert not any(everyday(w) for w in ("isotonic", "smote", "covariate", "platt", "reweight"))
    rank = embedder.word_rank
    assert rank("the") == 0 and rank("isotonic") is None and 0 < rank("model") < rank("queue")  # type: ignore[operator]


def test_a_repaired_sentence_is_embedded_as_said_with_only_the_slips_replaced() -> None:
    q = make_question(["platt scaling"], prompt="How would you calibrate a classifier's scores?")
    text = "Then, I'd fit plot scaling on held-out data."
    timed = tuple(Word(word=w, start=float(i), end=i + 0.5) for i, w in enumerate(text.split()))
    (s,) = prepare(text, timed, vocabulary(q))
    assert s.heard == (("plot", "platt"),) and s.repaired == "Then, I'd fit platt scaling on held-out data."
    assert tx.with_words_replaced("A b, c d.", [(1, 2, "X"), (3, 1, "y")]) == "A X y."
    # a letter whose lower case is longer moves every place after it: the words themselves, replaced
    assert tx.with_words_replaced("İzmir plot scaling.", [(2, 1, "platt")]) == "i zmir platt scaling"


def test_spoken_probabilities_reach_the_repairs() -> None:
    q = make_question(["viewing history"], prompt="Which signals would you use for recommendations?")
    text = "I would start from the mewing history of each member, because it says what they finish."
    sure = tuple(Word(word=w, start=float(i), end=i + 0.5) for i, w in enumerate(text.split()))
    unsure = tuple(w.model_copy(update={"probability": 0.3}) if w.word == "mewing" else w for w in sure)
    assert not [p for c in score_content(q, text, sure).criteria for p in c.covered]
    (point,) = [p for c in score_content(q, text, unsure).criteria for p in c.covered]
    assert point.evidence[0].heard == (("mewing", "viewing"),)


def test_spoken_evidence_shows_heard_and_matched_words() -> None:
    q = make_question(["platt scaling"], prompt="How would you calibrate a classifier's scores?")
    assert "platt" in vocabulary(q)
    text = "I would fit plot scaling on a held out set, because it maps scores to probabilities."
    timed = tuple(Word(word=w, start=float(i), end=i + 0.5) for i, w in enumerate(text.split()))
    spoken = score_content(q, text, timed)
    (point,) = [p for c in spoken.criteria for p in c.covered]
    assert point.evidence[0].heard == (("plot", "platt"),)
    assert "platt" in point.evidence[0].matched
    # typed text is taken as written: no repair
    assert not [p for c in score_content(q, text).criteria for p in c.covered]
