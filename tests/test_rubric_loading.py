"""Rubrics load and validate; a broken one names the file, the line and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.track.rubric import Track, load_track

GOOD = """\
schema: 1
track: t
round: phone-screen
version: "1"
title: A test round
target: {min_s: 45, max_s: 90}
senior_bar: Says the thing, then why it matters.
questions:
  - id: phone-screen/first
    prompt: Explain the first thing to me.
    criteria:
      - id: crit
        name: Criterion
        key_points:
          - id: point
            text: The key point in a sentence.
            phrasings:
              - "overfit*"
              - "high variance"
            follow_up: What about the point?
        levels:
          1: poor
          2: mixed
          3: good
          4: excellent
  - id: phone-screen/second
    prompt: Explain the second thing to me.
    criteria:
      - id: crit
        name: Criterion
        key_points:
          - id: point
            text: The key point in a sentence.
            phrasings: ["underfit*"]
            follow_up: What about the point?
        levels: {1: poor, 2: mixed, 3: good, 4: excellent}
"""


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line number of the nth line containing ``needle``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth]


def write_track(root: Path, files: dict[str, str]) -> Path:
    folder = root / "t"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def load_error(root: Path) -> UserError:
    with pytest.raises(UserError) as e:
        load_track("t", root=root)
    return e.value


def assert_names(err: UserError, path: Path, line: int, field: str) -> None:
    """The message starts with '<file>:<line>: <field>'."""
    first = err.message.splitlines()[0]
    assert first.startswith(f"{path}:{line}: {field}"), first


# --- the bundled track ---------------------------------------------------------------------


def test_bundled_track_loads(track: Track) -> None:
    assert track.name == "netflix-mle"
    assert "phone-screen" in track.rounds
    # the loop's order comes from the files: the phone screen first, the behavioral round last
    rounds = list(track.rounds)
    assert rounds[0] == track.first_round == "phone-screen" and rounds[-1] == "behavioral"
    for qid, (q, r) in track.questions.items():
        assert qid == q.id
        assert qid.startswith(r.round.round + "/")
        assert r.path.stem == r.round.round
        assert len(r.sha256) == 64
        assert q.criteria and all(c.key_points for c in q.criteria)
    assert re.fullmatch(r"([a-z-]+@[^+]+\+)*[a-z-]+@[^+]+", track.version), track.version


def test_bundled_track_question_lookup(track: Track) -> None:
    q, r = track.question("phone-screen/bias-variance")
    assert q.kind == "technical"
    assert r.target_for(q).min_s > 0
    with pytest.raises(UserError) as e:
        track.question("phone-screen/bias")
    assert e.value.code == ExitCode.USAGE
    assert "Did you mean: phone-screen/bias-variance" in e.value.message
    with pytest.raises(UserError) as e:
        track.question("phone-screen/bias-varience")  # a misspelling, not a part of the id
    assert "Did you mean: phone-screen/bias-variance" in e.value.message
    with pytest.raises(UserError) as e:
        track.check_round("phonescreen")
    assert e.value.code == ExitCode.USAGE and "Did you mean phone-screen?" in e.value.message


def test_good_test_rubric_loads(tmp_path: Path) -> None:
    write_track(tmp_path, {"phone-screen.yaml": GOOD})
    t = load_track("t", root=tmp_path)
    assert list(t.questions) == ["phone-screen/first", "phone-screen/second"]
    assert t.version == "phone-screen@1"


def test_unknown_track_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as e:
        load_track("nope", root=tmp_path)
    assert e.value.code == ExitCode.USAGE
    assert "'nope'" in e.value.message and str(tmp_path / "nope") in e.value.message


# --- broken rubrics ------------------------------------------------------------------------


def test_missing_field(tmp_path: Path) -> None:
    text = GOOD.replace("            follow_up: What about the point?\n", "", 1)
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    assert err.code == ExitCode.BAD_INPUT
    # the key point that lacks the field
    assert_names(
        err,
        folder / "phone-screen.yaml",
        line_of(text, "- id: point"),
        "questions[0].criteria[0].key_points[0].follow_up",
    )
    assert "Field required" in err.message


def test_missing_top_level_field(tmp_path: Path) -> None:
    text = GOOD.replace("senior_bar: Says the thing, then why it matters.\n", "")
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    assert err.message.startswith(f"{folder / 'phone-screen.yaml'}:")
    assert ": senior_bar: Field required" in err.message


@pytest.mark.parametrize("bad", ["trade-off", "bias ... (a | b)", "bias ... "])
def test_bad_phrasing(tmp_path: Path, bad: str) -> None:
    text = GOOD.replace('              - "high variance"', f'              - "{bad}"')
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    # the line of the bad phrasing itself (the second in its list), not of the list
    assert_names(
        err,
        folder / "phone-screen.yaml",
        line_of(text, bad),
        "questions[0].criteria[0].key_points[0].phrasings[1]",
    )
    assert "bad word" in err.message or "empty part" in err.message


def test_bad_red_flag_phrasing(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  - id: phone-screen/second\n",
        "    red_flags:\n"
        "      - id: flag\n"
        "        text: A misconception.\n"
        "        phrasings: [more data fixes bias, 'log-loss']\n"
        "  - id: phone-screen/second\n",
    )
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    assert_names(err, folder / "phone-screen.yaml", line_of(text, "log-loss"), "questions[0].red_flags[0].phrasings[1]")
    assert "'log-loss'" in err.message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = GOOD.replace("title: A test round", "title: [unclosed")
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    m = re.match(rf"{re.escape(str(folder / 'phone-screen.yaml'))}:(\d+): YAML error: ", err.message)
    assert m, err.message
    # the parser stops at the next line, where the flow sequence should have closed
    assert int(m.group(1)) in (line_of(text, "[unclosed"), line_of(text, "[unclosed") + 1)


def test_yaml_bad_indentation(tmp_path: Path) -> None:
    text = GOOD.replace("round: phone-screen", "round: phone-screen\n  oops: 1")
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    assert err.message.startswith(f"{folder / 'phone-screen.yaml'}:{line_of(text, 'oops')}: YAML error: ")


def test_not_a_mapping(tmp_path: Path) -> None:
    folder = write_track(tmp_path, {"phone-screen.yaml": "- just\n- a list\n"})
    err = load_error(tmp_path)
    assert err.message.startswith(f"{folder / 'phone-screen.yaml'}:1: ")


def test_duplicate_question_id_in_one_file(tmp_path: Path) -> None:
    text = GOOD.replace("id: phone-screen/second", "id: phone-screen/first")
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    assert_names(err, folder / "phone-screen.yaml", line_of(text, "id: phone-screen/first", 1), "questions[1].id")
    assert "duplicate question id 'phone-screen/first'" in err.message
    assert f"line {line_of(text, 'id: phone-screen/first')}" in err.message  # where the first one is


def test_duplicate_question_id_across_files(tmp_path: Path) -> None:
    """A second file that repeats another file's question is refused at the repeated id."""
    # behavioral.yaml with its own question plus a copy of phone-screen/first
    other = GOOD.replace("round: phone-screen", "round: behavioral").replace(
        "id: phone-screen/second", "id: behavioral/second"
    )
    folder = write_track(tmp_path, {"phone-screen.yaml": GOOD, "behavioral.yaml": other})
    err = load_error(tmp_path)
    assert_names(err, folder / "behavioral.yaml", line_of(other, "id: phone-screen/first"), "questions[0].id")
    assert "'phone-screen/first'" in err.message


@pytest.mark.parametrize(
    ("levels", "bad"),
    [
        ("{1: poor, 2: mixed, 3: good}", "3 levels"),
        ("{0: none, 1: poor, 2: mixed, 3: good}", "0 to 3"),
        ("{1: poor, 2: mixed, 3: good, 5: wow}", "5 instead of 4"),
    ],
)
def test_levels_not_1_to_4(tmp_path: Path, levels: str, bad: str) -> None:
    text = GOOD.replace("levels: {1: poor, 2: mixed, 3: good, 4: excellent}", f"levels: {levels}")
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    path = folder / "phone-screen.yaml"
    assert_names(err, path, line_of(text, f"levels: {levels}"), "questions[1].criteria[0].levels")
    assert "levels must describe exactly 1, 2, 3 and 4" in err.message, bad


def test_round_not_matching_file_name(tmp_path: Path) -> None:
    folder = write_track(tmp_path, {"phone-screen.yaml": GOOD.replace("round: phone-screen", "round: behavioral")})
    text = (folder / "phone-screen.yaml").read_text()
    err = load_error(tmp_path)
    # the ids no longer start with the round either; the round is what is wrong
    assert err.message.startswith(f"{folder / 'phone-screen.yaml'}:{line_of(text, 'round: behavioral')}: round")
    assert "'behavioral'" in err.message and "file name" in err.message


def test_question_id_not_in_its_round(tmp_path: Path) -> None:
    text = GOOD.replace("id: phone-screen/second", "id: behavioral/second")
    folder = write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    assert_names(err, folder / "phone-screen.yaml", line_of(text, "id: behavioral/second"), "questions[1].id")
    assert "must start with 'phone-screen/'" in err.message


def test_several_problems_are_listed_together(tmp_path: Path) -> None:
    text = GOOD.replace("            follow_up: What about the point?\n", "").replace('"overfit*"', '"over-fit"')
    write_track(tmp_path, {"phone-screen.yaml": text})
    err = load_error(tmp_path)
    lines = err.message.splitlines()
    assert len(lines) >= 3
    assert all(line.startswith(str(tmp_path / "t" / "phone-screen.yaml") + ":") for line in lines)


def test_unreadable_file(tmp_path: Path) -> None:
    folder = write_track(tmp_path, {})
    (folder / "phone-screen.yaml").write_bytes(b"\xff\xfe not utf-8 \x80")
    err = load_error(tmp_path)
    assert err.message.startswith(f"{folder / 'phone-screen.yaml'}: cannot read rubric file")


# --- track data that scoring reads: culture signals, failure questions -------------------

SIGNALS = """\
culture_signals:
  candor:
    - 'I (told|flagged)'
  curiosity:
    - 'root cause'
"""


def with_culture(culture: str, signals: str = SIGNALS, extra: str = "") -> str:
    text = GOOD.replace("questions:\n", signals + "questions:\n", 1)
    return text.replace(
        "    prompt: Explain the first thing to me.\n",
        f"    prompt: Explain the first thing to me.\n    culture: {culture}\n{extra}",
        1,
    )


def test_questions_get_the_signals_of_the_themes_they_probe(tmp_path: Path) -> None:
    text = with_culture("[curiosity]", extra="    asks_for_failure: true\n")
    write_track(tmp_path, {"phone-screen.yaml": text})
    track = load_track("t", root=tmp_path)
    first, _ = track.question("phone-screen/first")
    second, _ = track.question("phone-screen/second")
    assert first.culture_signals == {"curiosity": ["root cause"]}
    assert first.asks_for_failure
    # a question that names no theme is judged on every theme of the round
    assert set(second.culture_signals) == {"candor", "curiosity"}
    assert not second.asks_for_failure


def test_a_theme_without_signals_is_an_error(tmp_path: Path) -> None:
    write_track(tmp_path, {"phone-screen.yaml": with_culture("[candor, humility]")})
    err = load_error(tmp_path)
    assert "humility" in err.message and "culture_signals" in err.message


def test_a_bad_signal_pattern_names_its_line(tmp_path: Path) -> None:
    text = with_culture("[candor]", signals=SIGNALS.replace("'root cause'", "'root (cause'"))
    path = write_track(tmp_path, {"phone-screen.yaml": text}) / "phone-screen.yaml"
    err = load_error(tmp_path)
    assert_names(err, path, line_of(text, "root (cause"), "culture_signals.curiosity[0]")
    assert "regular expression" in err.message


def test_the_bundled_behavioral_round_keeps_its_culture_in_data(track: Track) -> None:
    failure, _ = track.question("behavioral/failure")
    assert failure.asks_for_failure
    assert set(failure.culture_signals) == set(failure.culture)
