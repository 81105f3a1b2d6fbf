"""Shared fixtures: a temporary data home for every test, the loaded track, sample answers, the
real engines, and sessions on disk for the tests of coming back to them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pytest
import soundfile as sf
import yaml

from tests.fakes import FOLLOW, QID, STRONG, timed
from voice_interviewer import paths
from voice_interviewer.models import Checksums
from voice_interviewer.paths import ENV_HOME, DataHome, samples_root
from voice_interviewer.retrieval.embeddings import MiniLMEmbedder
from voice_interviewer.scoring.scorecard import score_answer
from voice_interviewer.store.sessions import Session, SessionStore, Turn
from voice_interviewer.stt.transcriber import Transcriber
from voice_interviewer.track.rubric import Question, Track, load_track
from voice_interviewer.types import ModelsUsed, Scorecard

if TYPE_CHECKING:
    from voice_interviewer.engines import Engines

DATA = Path(__file__).parent / "data"

# Fixtures that load a real model (Whisper, MiniLM, SmolLM2, Piper) or build a real Chroma index. A test
# that uses one, directly or through another fixture, is marked slow here, so that `make test-fast`
# (pytest -m "not slow") really skips every real-model test. Tests that reach a real model another way
# (a CLI command that scores) carry @pytest.mark.slow themselves.
REAL_ENGINE_FIXTURES = frozenset(
    {"embedder", "transcriber", "stt_home", "smollm2", "engines", "chroma_server", "spoken_session"}
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Mark a session that really finished (the Makefile checks it: a test that ends the process
    early would otherwise leave a run that looks green)."""
    (Path(session.config.rootpath) / ".pytest-finished").write_text(f"{exitstatus}\n")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_ENGINE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


CardFor = Callable[[str, str], Scorecard]  # (question id, typed answer) -> its scorecard


class MakeSession(Protocol):
    def __call__(
        self,
        sid: str = ...,
        answers: tuple[tuple[str, str], ...] = ...,
        status: str = ...,
        audio: bool = ...,
    ) -> Path: ...


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own empty data home and no user settings (no config file, no
    VOICE_INTERVIEWER_* defaults from the environment); nothing touches the user's recordings."""
    from voice_interviewer.config import KEYS
    from voice_interviewer.paths import ENV_CONFIG

    home = tmp_path / "home"
    monkeypatch.setenv(ENV_CONFIG, str(tmp_path / "config" / "config.toml"))
    for key in KEYS:
        monkeypatch.delenv(key.env, raising=False)
    monkeypatch.setenv(ENV_HOME, str(home))
    yield home


@pytest.fixture(scope="session")
def track() -> Track:
    return load_track()


def load_samples() -> list[tuple[str, dict[str, str]]]:
    out = []
    for f in sorted((samples_root() / "netflix-mle").glob("*.yaml")):
        for item in yaml.safe_load(f.read_text()):
            out.append((item["question"], item["answers"]))
    return out


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder(Checksums(None))


# --- shared by the scoring, speech and CLI tests ------------------------------------------------

SPEECH = DATA / "speech"
JFK = SPEECH / "jfk.flac"


def make_question(
    phrasings: list[str],
    red_flags: list[str] | None = None,
    prompt: str = "Tell me something about models please.",
) -> Question:
    """A one-criterion, one-point question for focused scoring tests."""
    data: dict[str, Any] = {
        "id": "phone-screen/test",
        "prompt": prompt,
        "criteria": [
            {
                "id": "crit",
                "name": "Criterion",
                "key_points": [
                    {
                        "id": "point",
                        "text": "A point that the answer should make.",
                        "phrasings": phrasings,
                        "follow_up": "What about the point?",
                    }
                ],
                "levels": {1: "poor", 2: "mixed", 3: "good", 4: "excellent"},
            }
        ],
        "red_flags": [{"id": "flag", "text": "A misconception.", "phrasings": red_flags}] if red_flags else [],
    }
    return Question.model_validate(data)


@pytest.fixture(scope="session")
def jfk_reference() -> str:
    return str(json.loads((SPEECH / "transcripts.json").read_text())["jfk.flac"])


@pytest.fixture(scope="session")
def stt_home(tmp_path_factory: pytest.TempPathFactory) -> DataHome:
    return paths.data_home({ENV_HOME: str(tmp_path_factory.mktemp("stt-home"))}).ensure()


@pytest.fixture(scope="session")
def transcriber(stt_home: DataHome) -> Transcriber:
    """The real bundled tiny.en model, loaded once for the whole session."""
    from voice_interviewer.models import Checksums
    from voice_interviewer.stt.transcriber import build_transcriber

    notes: list[str] = []
    return build_transcriber("tiny.en", "auto", stt_home, Checksums(stt_home), notes.append)


@pytest.fixture(scope="session")
def real_engines(stt_home: DataHome) -> Engines:
    """The real engines on the CPU (tiny.en, MiniLM, the installed track), built lazily and shared."""
    from voice_interviewer.engines import Engines, Settings

    notes: list[str] = []
    return Engines(Settings(stt_model="tiny.en", device="cpu"), notify=notes.append, home=stt_home)


# --- sessions on disk, for the tests of coming back to them ---------------------------------------


@pytest.fixture()
def session_store(data_home: Path) -> SessionStore:
    """The store of this test's own data home."""
    return SessionStore(paths.data_home().ensure())


@pytest.fixture()
def card_for(track: Track) -> CardFor:
    """``card_for(question id, text)``: the scorecard of a typed-in answer with made-up word timings."""

    def make(qid: str, text: str) -> Scorecard:
        q, rnd = track.question(qid)
        models = ModelsUsed(stt="tiny.en", rubric_version=rnd.round.version, rubric_sha256=rnd.sha256)
        return score_answer(q, rnd, timed(text), None, models)

    return make


def tone(seconds: float, value: float, rate: int = 16000) -> np.ndarray:
    """A constant signal: easy to recognise in a combined replay, even after resampling."""
    return np.full(int(seconds * rate), value, dtype=np.float32)


@pytest.fixture()
def make_session(track: Track, session_store: SessionStore, card_for: CardFor) -> MakeSession:
    """``make_session(sid, answers, status, audio)``: a finished session on disk, its folder returned.

    Turn n's interviewer line is a 22.05 kHz constant 0.1*n, its answer a 16 kHz constant -0.1*n,
    each 0.3*n s long; every answer carries its scorecard.
    """

    def make(
        sid: str = "20261101-100000-phone-screen",
        answers: tuple[tuple[str, str], ...] = ((QID, STRONG), (QID, FOLLOW)),
        status: str = "complete",
        audio: bool = True,
    ) -> Path:
        folder = session_store.root / sid
        folder.mkdir(parents=True)
        turns = []
        for n, (qid, text) in enumerate(answers, 1):
            q, _ = track.question(qid)
            line = f"turn-{n:02d}-interviewer.wav"
            ans = f"turn-{n:02d}-answer.wav"
            if audio:
                sf.write(str(folder / line), tone(0.3 * n, 0.1 * n, 22050), 22050, subtype="PCM_16")
                sf.write(str(folder / ans), tone(0.3 * n, -0.1 * n), 16000, subtype="PCM_16")
            card = card_for(qid, text)
            turns.append(
                Turn(
                    index=n,
                    question_id=qid,
                    kind="question" if n == 1 or qid != answers[n - 2][0] else "follow-up",
                    interviewer_text=q.prompt if n == 1 else f"Follow-up {n} about {qid}?",
                    interviewer_audio=line if audio else None,
                    answer_audio=ans if audio else None,
                    ended_by="silence",
                    transcript=card.transcript,
                    scorecard=card,
                )
            )
        s = Session(
            id=sid,
            created=f"{sid[:4]}-{sid[4:6]}-{sid[6:8]}T{sid[9:11]}:{sid[11:13]}:00+00:00",
            track="netflix-mle",
            round=sid[16:],
            mode="demo",
            status=status,
            turns=turns,
        )
        session_store.save(s)
        return folder

    return make


# --- real-time audio: a private PulseAudio daemon ---------------------------------------------------


def _pulse_daemon(tmp_path: Path, modules: tuple[str, ...], sink: str, source: str) -> Iterator[dict[str, str]]:
    """The daemon of :func:`tests.audio_fixtures.pulse_daemon`, skipped where PulseAudio cannot start."""
    from tests import audio_fixtures as af  # it imports this module: not at the top

    for tool in ("pulseaudio", "pactl", "paplay", "parec"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: pulseaudio, pulseaudio-utils; make setup installs them)")
    try:
        with af.pulse_daemon(tmp_path, modules, sink, source) as env:
            yield env
    except af.PulseUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture()
def pulse(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Loudspeakers: a null sink ``vi_null`` is the speakers and its monitor the microphone, so one
    recording of ``vi_null.monitor`` holds everything that was played, on one timeline."""
    from tests.audio_fixtures import LOUDSPEAKERS

    yield from _pulse_daemon(tmp_path, LOUDSPEAKERS, "vi_null", "vi_null.monitor")


@pytest.fixture()
def pulse_headphones(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Headphones: the interviewer plays into ``vi_speakers`` (the left channel of ``vi_all``), the
    candidate speaks into ``vi_voice`` (the right channel), and the microphone ``vi_mic`` hears the
    right channel only. One stereo recording of ``vi_all.monitor`` holds both on one timeline."""
    from tests.audio_fixtures import HEADPHONES

    yield from _pulse_daemon(tmp_path, HEADPHONES, "vi_speakers", "vi_mic")
