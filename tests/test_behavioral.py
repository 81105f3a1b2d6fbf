"""Behavioral answers: STAR parts, owning a failure, I vs we, numbers, and how stories rank."""

from __future__ import annotations

from dataclasses import replace

import pytest

from voice_interviewer.paths import rubrics_root
from voice_interviewer.scoring.behavioral import apply_behavioral, detect, episode, story_part
from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.scoring.content import Embedder, score_content
from voice_interviewer.track.rubric import Question, Track, default_track
from voice_interviewer.types import Behavioral

BEHAVIORAL_FILE = rubrics_root() / default_track() / "behavioral.yaml"

pytestmark = pytest.mark.skipif(
    not BEHAVIORAL_FILE.is_file(), reason=f"no behavioral rubric at {BEHAVIORAL_FILE} (the round is not written yet)"
)

SITUATION = "Last year I was the lead engineer on our churn model, which scored twenty million members every night."
TASK = "My job was to ship a retrained version before the holiday campaign."
ACTION = "I validated it offline and the AUC improved, so I rolled it out to all traffic."
MISTAKE = (
    "I missed that one of the features was computed differently in the online pipeline, and the targeting got worse."
)
RESULT = "As a result the campaign reached the wrong members and conversion dropped by 12 percent in the first week."
FIX = "I dug into the logs, found the skew, rolled back and added a parity check between batch and online features."
RECOVERY = "That recovered the conversion within 3 days."
LESSON = (
    "The lesson I took is that an offline win is only a hypothesis, and since then I always run a shadow test "
    "before a full rollout."
)
OWNED = " ".join([SITUATION, TASK, ACTION, MISTAKE, RESULT, FIX, RECOVERY, LESSON])

TRIUMPH = (
    "At my last company we built a new recommender and it was a huge success. We worked really hard and the team "
    "was amazing. We launched it on time and everyone loved it. We were proud of it and our stakeholders were "
    "happy, so it was a great project overall."
)
BLAME = (
    "We were building a fraud model for the payments team. The data team didn't validate the labels, so the "
    "model was trained on bad data. It wasn't my fault, because the data team failed to tell us about the "
    "change. The model was rolled back and the project was cancelled. Honestly they should have caught it "
    "before it ever reached us."
)
HUMBLE_BRAG = (
    "My biggest failure is that I work too hard and I'm a perfectionist. On our ranking model I spent weekends "
    "making everything perfect, and I should have delegated more. In the end we shipped and engagement "
    "improved by 5 percent."
)
WE_STORY = (
    "We owned the ranking model for the home page. We noticed the click rate fell, so we looked at the data and "
    "we retrained the model. Our team fixed the pipeline and we shipped the new version, and our metrics "
    "recovered by 4 percent."
)


@pytest.fixture(scope="module")
def failure(track: Track) -> Question:
    if "behavioral/failure" not in track.questions:
        pytest.skip("behavioral.yaml has no behavioral/failure question")
    q, _ = track.question("behavioral/failure")
    assert q.kind == "behavioral"
    return q


def parts(b: Behavioral) -> dict[str, tuple[str, ...]]:
    return {p.part: p.sentences for p in b.parts}


def test_star_parts_with_the_sentences_that_carry_them(failure: Question) -> None:
    b = detect(failure, OWNED)
    found = parts(b)
    assert b.missing_parts == ()
    assert found["situation"][0] == SITUATION
    assert found["task"] == (TASK,)
    assert ACTION in found["action"] and FIX in found["action"]
    assert found["result"] == (RESULT, RECOVERY)
    assert found["learning"] == (LESSON,)
    assert b.learning == (LESSON,)


def test_missing_parts_are_named(failure: Question) -> None:
    b = detect(failure, TRIUMPH)
    assert {"task", "action", "result", "learning"} <= set(b.missing_parts)
    assert set(parts(b)) | set(b.missing_parts) == {"situation", "task", "action", "result", "learning"}


def test_owned_failure(failure: Question) -> None:
    b = detect(failure, OWNED)
    assert b.failure_owned
    assert b.failure_note == f"Owns it: \u201c{MISTAKE}\u201d"
    assert b.blame == ()


def test_humble_brag_is_not_an_owned_failure(failure: Question) -> None:
    b = detect(failure, HUMBLE_BRAG)
    assert not b.failure_owned  # "I should have delegated" does not rescue it
    assert "humble-brag" in b.failure_note


def test_blame_is_not_ownership(failure: Question) -> None:
    b = detect(failure, BLAME)
    assert not b.failure_owned, b.failure_note  # "it wasn't my fault" owns nothing
    assert b.failure_note == "The failure is put on others."
    assert "It wasn't my fault, because the data team failed to tell us about the change." in b.blame
    assert "The data team didn't validate the labels, so the model was trained on bad data." in b.blame


@pytest.mark.parametrize(
    "sentence",
    [
        "It took them weeks to admit it was their change.",
        "They changed the schema without telling anyone.",
    ],
)
def test_putting_the_cause_on_others_is_blame(failure: Question, sentence: str) -> None:
    assert detect(failure, f"Our model failed in production. {sentence}").blame == (sentence,)


def test_a_decision_that_was_someone_elses_is_not_blame(failure: Question) -> None:
    # "their call" is whose decision it was, not whose fault: the story can still own its part
    text = "The lead was away and nobody else felt it was their call. I made the call and rolled it back."
    assert detect(failure, text).blame == ()


@pytest.mark.parametrize("owning", ["It was my fault.", "That was my mistake.", "It was on me."])
def test_owning_phrases(failure: Question, owning: str) -> None:
    assert detect(failure, f"The model failed in production. {owning}").failure_owned


@pytest.mark.parametrize("denying", ["It was not my fault.", "It wasn't my mistake.", "It wasn’t my call."])
def test_denying_is_not_owning(failure: Question, denying: str) -> None:
    assert not detect(failure, f"The model failed in production. {denying}").failure_owned


def test_i_versus_we(failure: Question) -> None:
    mine = detect(failure, OWNED)
    assert mine.i_count > mine.we_count
    assert mine.ownership == "owns it"
    ours = detect(failure, WE_STORY)
    assert ours.we_count >= 2 * max(ours.i_count, 1)
    assert ours.i_count == 0
    assert ours.ownership == "hides behind we"
    assert detect(failure, TRIUMPH).ownership == "hides behind we"


def test_numbers_in_the_result(failure: Question) -> None:
    b = detect(failure, OWNED)
    # from the result sentences, not "twenty million members" in the situation
    assert b.result_numbers == ("12 percent", "3 days")
    assert detect(failure, TRIUMPH).result_numbers == ()


def test_specificity(failure: Question) -> None:
    assert detect(failure, OWNED).specificity > 0.8
    assert detect(failure, TRIUMPH).specificity < 0.2


def test_culture_signals_are_limited_to_the_question(failure: Question) -> None:
    b = detect(failure, OWNED)
    assert "owning-failures" in b.culture_signals
    assert "curiosity" in b.culture_signals  # "dug into"
    assert set(b.culture_signals) <= set(failure.culture)


def score(question: Question, text: str, embedder: Embedder) -> tuple[float, int]:
    content, _ = apply_behavioral(question, text, score_content(question, text, embedder=embedder))
    return content.score, content.level


def test_owned_failure_with_a_lesson_beats_triumph_and_blame(failure: Question, embedder: Embedder) -> None:
    owned, owned_level = score(failure, OWNED, embedder)
    triumph, _ = score(failure, TRIUMPH, embedder)
    blame, blame_level = score(failure, BLAME, embedder)
    brag, _ = score(failure, HUMBLE_BRAG, embedder)
    assert owned >= 70 and owned_level >= 3, owned
    assert owned - triumph >= 30, (owned, triumph)
    assert owned - blame >= 30, (owned, blame)
    assert owned - brag >= 30, (owned, brag)
    assert blame_level <= 2


def test_blame_caps_the_level_even_when_the_content_is_good(failure: Question, embedder: Embedder) -> None:
    text = OWNED + " Honestly though, it was their fault, because the data team failed to tell us."
    content, b = apply_behavioral(failure, text, score_content(failure, text, embedder=embedder))
    assert b.blame
    assert content.level == CONFIG.levels.blame_cap == 1  # a story that blames others is poor
    assert content.score < CONFIG.levels.score_cuts[0]  # and its score says so
    assert any("Blaming" in n for n in content.notes)


def test_a_short_story_is_level_1(failure: Question, embedder: Embedder) -> None:
    text = "I missed a feature bug and conversion dropped 12 percent."
    content, _ = apply_behavioral(failure, text, score_content(failure, text, embedder=embedder))
    assert content.level == 1


# A story told in the abstract: it names every part and gives none (no system, no number, no mistake).
ABSTRACT = (
    "I took a risk on a model, put a number on the result, owned my mistake and learned the lesson. "
    "This story shows ownership and candor, and it covers the situation, my actions and the result."
)


@pytest.mark.parametrize(
    ("sentence", "about"),
    [
        ("I put a number on the result, owned my mistake and changed my habits.", True),
        ("The situation was clear, the stakes were high and the outcome was good.", True),
        # a told story names a part now and then, with what it was
        ("The result was that my mistake got caught before launch.", False),
        ("As a result, the outcome of my mistake was a 12 percent drop in the context of the campaign.", False),
        ("I rolled back the model and added a parity check.", False),
    ],
)
def test_a_sentence_that_names_the_story_parts_tells_about_the_story(sentence: str, about: bool) -> None:
    from voice_interviewer.scoring.claims import tells_about_story

    assert tells_about_story(sentence) is about


def test_a_story_told_in_the_abstract_carries_no_part_and_owns_nothing(failure: Question) -> None:
    b = detect(failure, ABSTRACT)
    assert b.parts == () and not b.failure_owned and b.specificity == 0
    told = detect(failure, OWNED)
    padded = detect(failure, f"{OWNED} {ABSTRACT}")
    assert padded.parts == told.parts and padded.failure_owned and padded.specificity == told.specificity
    # and it earns no key point, so it scores below a real story and no higher than an empty one
    abstract = score_content(failure, ABSTRACT)
    assert not [p for c in abstract.criteria for p in c.covered]
    assert abstract.score < score_content(failure, OWNED).score


# --- the story's grammar in anyone's words -------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "I rerouted the nightly job to the backup cluster and paged the owner.",
        "I quietly disabled the flaky feature for tablets only.",
        "So, um, I, uh, merged the two event tables and reran the report.",
    ],
)
def test_any_first_person_past_action_is_an_action(sentence: str) -> None:
    # any regular past tense after "I", not only a fixed list of verbs, and fillers do not hide it
    assert story_part(sentence) == "action"


@pytest.mark.parametrize("sentence", ["I believed the old ranker was fine.", "I wanted a simpler model."])
def test_a_state_of_mind_is_not_an_action(sentence: str) -> None:
    assert story_part(sentence) != "action"


def test_small_numbers_in_words_count_with_a_unit(failure: Question) -> None:
    b = detect(failure, "I shipped the fix on Monday. Crash reports went down eight percent within a week.")
    assert b.result_numbers == ("eight percent",)
    # a small number word alone is not a measured result
    assert detect(failure, "I shipped the fix. One of the dashboards broke for a while.").result_numbers == ()


@pytest.mark.parametrize(
    "owning",
    [
        "I forgot to warn the billing team before the switch.",
        "I didn't run the backfill on a copy first.",
        "My oversight was trusting the staging numbers.",
        "Um, I, uh, hadn't tested it on older devices.",
        # in the past perfect, or as what was never done
        "I had assumed the new field meant the same as the old one.",
        "I'd underestimated how many members were on old devices.",
        "I never checked how the feature was filled in for cancelled accounts.",
        "My part of the miss was approving the change without a test.",
    ],
)
def test_owning_in_other_words(failure: Question, owning: str) -> None:
    assert detect(failure, f"The release broke playback on some devices. {owning}").failure_owned


@pytest.mark.parametrize(
    "not_owning", ["I never thought the launch would be this big.", "It was not my part of the problem to fix."]
)
def test_never_alone_or_denying_a_part_is_not_owning(failure: Question, not_owning: str) -> None:
    assert not detect(failure, f"The release broke playback on some devices. {not_owning}").failure_owned


def test_a_measured_change_written_in_digits_is_a_result() -> None:
    # a speech model writes "twelve percent" as "12%"; the verb may be misheard ("fell" as "film")
    assert story_part("The share of reminders that led to a play film from about 12% to 7.") == "result"
    assert story_part("The share of reminders that led to a play fell from about twelve percent to seven.") == "result"


def test_a_failure_question_answered_with_a_success_is_capped(failure: Question) -> None:
    from voice_interviewer.scoring.content import analyse, content_from
    from voice_interviewer.scoring.levels import DODGED_NOTE

    triumph = analyse(failure, TRIUMPH)
    assert not triumph.behavioral or not triumph.behavioral.failure_owned
    strong = replace(triumph.features, story=2.0, breadth=1.0)  # whatever else it shows
    capped = content_from(failure, replace(triumph, features=strong))
    assert capped.level <= CONFIG.levels.dodged_cap and DODGED_NOTE in capped.notes
    owned = analyse(failure, OWNED)
    assert owned.behavioral and owned.behavioral.failure_owned
    assert DODGED_NOTE not in content_from(failure, owned).notes


@pytest.mark.parametrize("not_owning", ["I didn't agree with the launch date.", "I didn't want to wait for a review."])
def test_disagreeing_or_wanting_is_not_owning(failure: Question, not_owning: str) -> None:
    assert not detect(failure, f"The release broke playback on some devices. {not_owning}").failure_owned


@pytest.mark.parametrize(
    "lesson",
    [
        "Now whenever I touch a shared table, I write to its owner first.",
        "Ever since, the rollback step goes in the first message.",
        "These days I ask what a metric stands for before I argue about it.",
        "If I did it again, I would ship the smaller model first and keep the bigger one for a second test.",
        "I wish I had asked the data team for the raw logs in the first week.",
    ],
)
def test_what_changed_afterwards_is_the_learning(lesson: str) -> None:
    assert story_part(lesson) == "learning"


@pytest.mark.parametrize(
    "task", ["My part was the model that ranks the candidate rows.", "My share of the work was the offline evaluation."]
)
def test_my_part_of_the_work_is_the_task(task: str) -> None:
    assert story_part(task) == "task"


def test_an_episode_is_told_by_past_actions_of_anyone() -> None:
    # the team's actions still tell an episode (vague about who did what); my own count the same
    assert episode(WE_STORY) > 0 and episode(OWNED) == 1.0
    team = (
        "The team got together and looked into it. We decided to switch back to the old model for the weekend. "
        "The product team was fine with it when we explained. My manager approved the relaunch on Monday."
    )
    assert episode(team) == 1.0
    # a hypothetical, a habit or a claim about oneself tells no episode
    hypothetical = (
        "Usually I would look at the data first. I'd check the pipelines and compare offline and online metrics. "
        "I always speak up when something is wrong, and I think that is important."
    )
    assert episode(hypothetical) == 0.0
    claim = "This story covers the situation, my actions, the result and the lesson, as a strong answer needs."
    assert episode(claim) == 0.0


def test_an_event_said_again_is_the_same_event() -> None:
    once = "I shipped a model that failed in production."
    assert episode(" ".join([once] * 4)) == episode(once)
    # the same words in another event are another event
    assert episode(f"{once} I shipped a fix that failed in production too.") > episode(once)


def test_the_behavioral_model_rewards_a_told_episode(failure: Question) -> None:
    from voice_interviewer.scoring.content import analyse
    from voice_interviewer.scoring.model import fitted_model

    told, untold = analyse(failure, WE_STORY).features, analyse(failure, "I always look at the data first.").features
    assert told.episode > untold.episode == 0.0
    m = fitted_model().for_kind("behavioral")
    assert m.weights["episode"] > 0 and m.z(replace(told, episode=0.0)) < m.z(told)
