"""Re-scoring saved answers: stored beside the old scorecards, what changed, damaged sessions,
and (with the real models) identical figures when nothing changed, in one process or in two."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import soundfile as sf
from typer.testing import CliRunner

from tests.conftest import CardFor, MakeSession
from tests.fakes import FOLLOW, QID, STRONG, VAGUE, ScriptedEngines, ScriptedTranscriber, timed
from voice_interviewer.cli import app
from voice_interviewer.engines import Engines
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import data_home
from voice_interviewer.review.diff import diff_cards
from voice_interviewer.review.records import open_session, select_cards
from voice_interviewer.review.rescore import RescoreOptions, rescore, strip_spoken_done
from voice_interviewer.review.runners import InProcess, ProcessPool, WorkerSpec, choose_workers
from voice_interviewer.store.rescores import RescoreRecord, load_rescores, write_rescore
from voice_interviewer.store.sessions import Session, SessionStore, Turn
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import Transcript


def fake(track: Track, text: str = VAGUE) -> tuple[ScriptedEngines, ScriptedTranscriber]:
    stt = ScriptedTranscriber(text)
    return ScriptedEngines(stt, track), stt


def test_rescore_is_stored_beside_the_old_scorecards_and_shows_what_changed(
    track: Track, make_session: MakeSession, session_store: SessionStore, card_for: CardFor
) -> None:
    folder = make_session(answers=((QID, STRONG),))
    before = (folder / "session.json").read_bytes()
    sc, stt = fake(track, VAGUE)
    fixed = datetime(2026, 11, 27, 23, 19, 0, tzinfo=UTC)
    [r] = rescore(session_store, [folder.name], InProcess(lambda t: sc), RescoreOptions(), now=lambda: fixed)
    assert r.path == folder / "rescores" / "20261127T231900Z-fake-stt-2026.12.1.json"
    assert (folder / "session.json").read_bytes() == before, "the original scorecards are never touched"
    assert stt.heard == [int(0.3 * 16000)]
    record = RescoreRecord.model_validate_json(r.path.read_bytes())
    assert record.models.stt == "fake-stt" and record.turns[0].source == "audio"
    assert record.turns[0].scorecard == select_cards(open_session(session_store, folder.name))[1]
    old = card_for(QID, STRONG)
    assert r.criteria and all(c.new_level <= (c.old_level or 4) for c in r.criteria)
    assert any(c.new_level < (c.old_level or 0) for c in r.criteria)
    assert {f.figure for f in r.figures} >= {"content score", "words"}
    assert [f.old for f in r.figures if f.figure == "content score"] == [old.content.score]
    assert r.unchanged == 0

    # a second re-score with other results keeps both files; the newest counts
    sc2, _ = fake(track, STRONG)
    later = datetime(2026, 11, 28, 8, 0, 0, tzinfo=UTC)
    [r2] = rescore(session_store, [folder.name], InProcess(lambda t: sc2), RescoreOptions(), now=lambda: later)
    found, problems = load_rescores(folder)
    assert [f.name for f in found] == [r.path.stem, r2.path.stem] and not problems  # type: ignore[union-attr]
    assert select_cards(open_session(session_store, folder.name))[1].content.score == old.content.score


def test_rescore_files_are_never_overwritten(tmp_path: Path, card_for: CardFor) -> None:
    card = card_for(QID, STRONG)
    rec = RescoreRecord(
        session_id="s", created="2026-11-27T23:19:00.000001+00:00", models=card.models, options={}, turns=[]
    )
    paths = [write_rescore(tmp_path, rec, "tiny.en", "2026.11.1") for _ in range(3)]
    assert [p.name for p in paths] == [
        "20261127T231900Z-tiny.en-2026.11.1.json",
        "20261127T231900Z-tiny.en-2026.11.1-2.json",
        "20261127T231900Z-tiny.en-2026.11.1-3.json",
    ]
    assert all(RescoreRecord.model_validate_json(p.read_bytes()) == rec for p in paths)
    assert not list(tmp_path.glob("rescores/.*"))  # no temporary file left behind
    weird = write_rescore(tmp_path, rec, "Systran/faster-whisper small", "v1")
    assert weird.name == "20261127T231900Z-Systran_faster-whisper_small-v1.json"


def test_damaged_sessions_are_rescored_as_far_as_their_data_goes(
    track: Track, make_session: MakeSession, session_store: SessionStore
) -> None:
    missing = make_session("20261101-100001-phone-screen", ((QID, STRONG), (QID, FOLLOW)))
    (missing / "turn-02-answer.wav").unlink()
    crash = make_session("20261101-100002-phone-screen", ((QID, STRONG), (QID, FOLLOW)))
    data = json.loads((crash / "session.json").read_text())
    data["status"] = "in-progress"
    data["turns"][1]["transcript"] = data["turns"][1]["scorecard"] = None
    (crash / "session.json").write_text(json.dumps(data))
    pcm = sf.read(str(crash / "turn-02-answer.wav"), dtype="int16")[0].astype("<i2").tobytes() + b"\x07"
    (crash / "turn-02-answer.wav").unlink()
    (crash / "turn-02-answer.pcm").write_bytes(pcm)
    truncated = make_session("20261101-100003-phone-screen", ((QID, STRONG), (QID, FOLLOW), (QID, VAGUE)))
    text = (truncated / "session.json").read_text()
    (truncated / "session.json").write_text(text[: text.index('"index": 3')])
    unknown = make_session("20261101-100004-phone-screen", ((QID, STRONG),))
    data = json.loads((unknown / "session.json").read_text())
    data["turns"][0]["question_id"] = "phone-screen/retired-question"
    (unknown / "session.json").write_text(json.dumps(data))
    nojson = make_session("20261101-100005-phone-screen")
    (nojson / "session.json").unlink()

    sc, stt = fake(track, VAGUE)
    ids = [p.name for p in (missing, crash, truncated, unknown, nojson)]
    res = {r.session_id: r for r in rescore(session_store, ids, InProcess(lambda t: sc), RescoreOptions())}

    r = res[missing.name]
    assert [t.source for t in r.turns] == ["audio", "saved transcript"]
    assert r.turns[1].scorecard is not None and r.turns[1].scorecard.transcript.text == FOLLOW
    assert "missing" in (r.turns[1].problem or "") and "saved transcript" in (r.turns[1].problem or "")
    r = res[crash.name]
    assert [t.source for t in r.turns] == ["audio", "crash audio (.pcm)"] and r.scored == 2
    assert int(0.6 * 16000) in stt.heard  # the raw PCM was read, the odd trailing byte dropped
    assert not (crash / "turn-02-answer.wav").exists(), "re-scoring reads; it does not repair the folder"
    assert res[truncated.name].scored == 2
    r = res[unknown.name]
    assert r.path is None and "no longer in the rubric" in r.problems[-1]
    r = res[nojson.name]
    assert r.path is None and "no session.json" in r.problems[0]


def test_an_answer_cut_short_on_disk_is_rescored_from_its_saved_transcript(
    track: Track, make_session: MakeSession, session_store: SessionStore
) -> None:
    # a WAV cut to 9 s of a 57 s answer was transcribed as it was, scored level 2 instead of 4, and
    # that weaker score became the latest one shown by show, progress and the report
    folder = make_session(answers=((QID, VAGUE), (QID, STRONG)))
    wav = folder / "turn-02-answer.wav"
    whole = wav.read_bytes()
    wav.write_bytes(whole[: 44 + (len(whole) - 44) // 4 * 2])  # the header still promises all of it
    sc, stt = fake(track, VAGUE)
    [r] = rescore(session_store, [folder.name], InProcess(lambda t: sc), RescoreOptions())
    assert [t.source for t in r.turns] == ["audio", "saved transcript"]
    card = r.turns[1].scorecard
    assert card is not None and card.transcript.text == STRONG
    assert "truncated" in (r.turns[1].problem or "") and "saved transcript" in (r.turns[1].problem or "")
    assert len(stt.heard) == 1, "the cut file is not transcribed"


def test_a_rubric_version_that_is_not_installed_fails_before_any_work(
    track: Track, make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session()
    sc, stt = fake(track)
    with pytest.raises(UserError, match=r"Rubric version 1999\.1 .* not installed .*VOICE_INTERVIEWER_RUBRICS"):
        rescore(session_store, [folder.name], InProcess(lambda t: sc), RescoreOptions(rubric_version="1999.1"))
    assert stt.heard == [] and not (folder / "rescores").exists()
    [r] = rescore(session_store, [folder.name], InProcess(lambda t: sc), RescoreOptions(rubric_version="2026.12.1"))
    assert r.path is not None


def test_typed_answers_are_rescored_from_their_text(
    track: Track, make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session(answers=((QID, STRONG),), audio=False)
    s = Session.model_validate_json((folder / "session.json").read_text())
    t = s.turns[0]
    typed = Transcript(text=STRONG, source="text")
    s.turns = [Turn(**{**t.model_dump(), "transcript": typed.model_dump(), "scorecard": None})]
    (folder / "session.json").write_text(s.model_dump_json())
    sc, stt = fake(track)
    [r] = rescore(session_store, [folder.name], InProcess(lambda x: sc), RescoreOptions())
    assert stt.heard == [] and r.turns[0].source == "typed" and r.turns[0].problem is None
    assert r.turns[0].scorecard is not None and r.turns[0].scorecard.models.stt is None


def test_an_answer_of_hesitation_sounds_only_is_not_rescored(
    track: Track, make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session(answers=((QID, STRONG),), audio=False)
    s = Session.model_validate_json((folder / "session.json").read_text())
    said = Transcript(text="Uh, um.", source="text").model_dump()
    s.turns = [Turn(**{**s.turns[0].model_dump(), "transcript": said})]
    (folder / "session.json").write_text(s.model_dump_json())
    sc, _ = fake(track)
    [r] = rescore(session_store, [folder.name], InProcess(lambda x: sc), RescoreOptions())
    assert r.turns[0].scorecard is None and r.turns[0].problem == "only hesitation sounds (uh, um) in the answer"


def test_diff_of_identical_cards_is_empty(card_for: CardFor) -> None:
    a = card_for(QID, STRONG)
    assert diff_cards(1, a, a) == ([], [])
    crit, figs = diff_cards(1, None, a)
    assert len(crit) == len(a.content.criteria) and all(c.old_level is None for c in crit)
    assert {f.figure for f in figs} == {"content score", "level", "words", "words a minute", "fillers a minute"}


@pytest.mark.parametrize(
    ("answers", "audio_s", "cores", "gpu", "expected"),
    [
        (1, 600.0, 2, False, (1, 2)),  # one answer: nothing to share
        (4, 120.0, 2, False, (1, 2)),  # a short session: starting workers costs more than it saves
        (20, 1200.0, 2, False, (2, 1)),  # a batch: two single-thread workers (the benchmark's winner)
        (20, 1200.0, 4, False, (4, 1)),
        (20, 1200.0, 1, False, (1, 1)),
        (20, 1200.0, 2, True, (1, 2)),  # on a GPU the model runs in one process
    ],
)
def test_choose_workers(answers: int, audio_s: float, cores: int, gpu: bool, expected: tuple[int, int]) -> None:
    assert choose_workers(answers, audio_s, cores, gpu) == expected


def test_a_spoken_done_is_dropped_as_in_the_live_transcription() -> None:
    t = timed("Regularization penalizes large weights. And I'm done.")
    out = strip_spoken_done(t)
    assert out.text == "Regularization penalizes large weights."
    assert [w.word for w in out.words][-2:] == ["weights.", "And"]  # as the live transcription leaves them
    assert strip_spoken_done(timed("Nothing to strip here.")) == timed("Nothing to strip here.")


def test_cli_rescore(track: Track, monkeypatch: pytest.MonkeyPatch, make_session: MakeSession) -> None:
    import voice_interviewer.cli.review as cli_review
    import voice_interviewer.review.runners as runners

    runner = CliRunner()
    res = runner.invoke(app, ["rescore"])
    assert res.exit_code == ExitCode.USAGE and "session id or --all" in res.stderr
    res = runner.invoke(app, ["rescore", "--all"])
    assert res.exit_code == ExitCode.USAGE and "No sessions to re-score" in res.stderr
    folder = make_session()
    make_session("20261102-100000-phone-screen", ((QID, VAGUE),))
    sc, _ = fake(track, VAGUE)
    monkeypatch.setattr(cli_review, "_engines", lambda *a, **kw: sc)
    monkeypatch.setattr(runners, "choose_workers", lambda *a: (1, 2))
    res = runner.invoke(app, ["rescore", "--all"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert f"{folder.name}: 2 answer(s) re-scored -> rescores/" in out
    assert "-> 1" in out or "-> 2" in out  # a criterion's level before -> after
    assert "Same figures as the latest scorecards for all 1 answer(s)" in out
    res = runner.invoke(app, ["rescore", folder.name, "--json"])
    body = json.loads(res.stdout)
    assert body[0]["session_id"] == folder.name and body[0]["unchanged"] == 2 and body[0]["criteria"] == []


def test_rescore_refuses_what_it_cannot_do_before_writing_anything(make_session: MakeSession) -> None:
    from voice_interviewer.store.lock import SessionLock

    runner = CliRunner()
    folder = make_session()
    res = runner.invoke(app, ["rescore", folder.name, "--stt-model", "tinyy.en"])
    assert res.exit_code == ExitCode.USAGE and "Unknown speech model 'tinyy.en'" in res.stderr
    with SessionLock(folder).acquire(folder.name):  # another process records it
        res = runner.invoke(app, ["rescore", folder.name])
    assert res.exit_code == ExitCode.USAGE and "still being recorded" in res.stderr
    assert not (folder / "rescores").exists()


def test_the_points_made_after_a_follow_up_are_listed_one_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import io

    from rich.console import Console

    from voice_interviewer.cli.review import _print_rescore
    from voice_interviewer.review.rescore import QuestionChange, SessionRescore

    buf = io.StringIO()
    cli_app = importlib.import_module("voice_interviewer.cli.app")  # the package's ``app`` is the Typer app
    monkeypatch.setattr(cli_app, "out", Console(file=buf, width=100, color_system=None))
    points = ("It estimates the error of the training procedure.", "Use forward-chaining splits for time.")
    change = QuestionChange(QID, old_level=2, new_level=3, prompted=points)
    _print_rescore([SessionRescore("20261101-100000-phone-screen", None, (), questions=(change,))])
    lines = buf.getvalue().splitlines()
    head = next(i for i, line in enumerate(lines) if "over the whole exchange" in line)
    assert lines[head].strip() == f"{QID}: level 2 -> 3 over the whole exchange; 2 key point(s) only after a follow-up:"
    assert [line.strip() for line in lines[head + 1 : head + 3]] == [f"↪ {p}" for p in points]


# --- real models ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spoken_session(track: Track, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-answer session of synthesized speech (no scorecards yet), built once and copied per test."""
    from voice_interviewer.session.demo import load_samples
    from voice_interviewer.tts.speaker import synthesize

    src = tmp_path_factory.mktemp("spoken") / "20261105-100000-phone-screen"
    src.mkdir()
    samples = {(s.question_id, s.kind): s.text for s in load_samples("netflix-mle")}
    turns = []
    for n, (qid, kind) in enumerate(((QID, "strong"), ("phone-screen/precision-recall", "vague")), 1):
        audio, _ = synthesize(samples[(qid, kind)], tmp_path_factory.getbasetemp() / "tts-cache")
        sf.write(str(src / f"turn-{n:02d}-answer.wav"), audio, 16000, subtype="PCM_16")
        q, _ = track.question(qid)
        turns.append(
            Turn(
                index=n,
                question_id=qid,
                kind="question",
                interviewer_text=q.prompt,
                answer_audio=f"turn-{n:02d}-answer.wav",
            )
        )
    s = Session(
        id=src.name,
        created="2026-11-05T10:00:00",
        track="netflix-mle",
        round="phone-screen",
        mode="demo",
        status="complete",
        turns=turns,
    )
    (src / "session.json").write_text(s.model_dump_json())
    return src


def _install(src: Path, store: SessionStore) -> str:
    import shutil

    shutil.copytree(src, store.root / src.name)
    return src.name


@pytest.mark.slow
def test_same_models_and_rubric_give_identical_figures(
    real_engines: Engines, spoken_session: Path, session_store: SessionStore
) -> None:
    sid = _install(spoken_session, session_store)
    runner = InProcess(lambda t: real_engines)
    [first] = rescore(session_store, [sid], runner, RescoreOptions())
    [second] = rescore(session_store, [sid], runner, RescoreOptions())
    assert first.scored == second.scored == 2
    assert [t.scorecard for t in first.turns] == [t.scorecard for t in second.turns]
    assert second.unchanged == 2 and second.criteria == () and second.figures == ()
    assert first.path != second.path and first.path is not None and second.path is not None
    a, b = (RescoreRecord.model_validate_json(p.read_bytes()) for p in (first.path, second.path))
    assert a.turns == b.turns and a.models == b.models
    card = first.turns[0].scorecard
    assert card is not None and card.content.level >= 3, "the strong sample answer should score well"
    assert card.models.stt == "tiny.en" and card.models.embeddings


@pytest.mark.slow
def test_two_worker_processes_give_the_same_figures_as_one(
    real_engines: Engines, spoken_session: Path, session_store: SessionStore
) -> None:
    sid = _install(spoken_session, session_store)
    [here] = rescore(session_store, [sid], InProcess(lambda t: real_engines), RescoreOptions())
    pool = ProcessPool(WorkerSpec.for_cpu("tiny.en", data_home().ensure(), cpu_threads=1), workers=2)
    [there] = rescore(session_store, [sid], pool, RescoreOptions())
    assert [t.scorecard for t in there.turns] == [t.scorecard for t in here.turns]
    assert there.unchanged == 2


def test_the_runner_follows_the_speech_models_device_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import voice_interviewer.stt.placement as placement
    from voice_interviewer.review.records import AudioFile
    from voice_interviewer.review.rescore import TurnJob
    from voice_interviewer.review.runners import make_runner

    turn = Turn(index=1, question_id=QID, kind="question", interviewer_text="?")
    jobs = [TurnJob("s", "t", tmp_path, turn, AudioFile(tmp_path / f"{i}.wav", 60.0)) for i in range(20)]
    home = data_home().ensure()
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(placement, "cuda_libraries_present", lambda: True)

    def no_engines(track: str) -> ScriptedEngines:
        raise AssertionError("choosing the runner builds no engines")

    def runner_for(device: str, gpus: int) -> str:
        monkeypatch.setattr(placement, "cuda_device_count", lambda: gpus)
        _, how = make_runner(RescoreOptions(), device, jobs, home, no_engines)
        return how

    assert runner_for("auto", 0) == "2 worker processes"  # 20 minutes of answers on 2 cores
    assert runner_for("auto", 1) == "in this process"  # the GPU takes the whole batch
    assert runner_for("cpu", 1) == "2 worker processes"
    with pytest.raises(UserError, match="no CUDA GPU is visible"):
        runner_for("cuda", 0)
