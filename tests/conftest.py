"""Shared fixtures: a temporary data home for every test, the loaded track, sample answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from voice_interviewer import paths
from voice_interviewer.models import Checksums
from voice_interviewer.paths import ENV_HOME, DataHome, samples_root
from voice_interviewer.retrieval.embeddings import MiniLMEmbedder
from voice_interviewer.stt.transcriber import Transcriber
from voice_interviewer.track.rubric import Question, Track, load_track

DATA = Path(__file__).parent / "data"

# Fixtures that load a real model (Whisper, MiniLM, SmolLM2, Piper) or build a real Chroma index. A test
# that uses one, directly or through another fixture, is marked slow here, so that `make test-fast`
# (pytest -m "not slow") really skips every real-model test. Tests that reach a real model another way
# (a CLI command that scores) carry @pytest.mark.slow themselves.
REAL_ENGINE_FIXTURES = frozenset(
    {"embedder", "transcriber", "stt_home", "smollm2", "engines", "chroma_server", "spoken_session"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_ENGINE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own empty data home; nothing touches the user's recordings."""
    home = tmp_path / "home"
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
