"""Shared fixtures: a temporary data home for every test, the loaded track, sample answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from voice_interviewer.paths import ENV_HOME, samples_root
from voice_interviewer.rubric import Track, load_track

DATA = Path(__file__).parent / "data"


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
def embedder():  # type: ignore[no-untyped-def]
    from voice_interviewer.embeddings import MiniLMEmbedder
    from voice_interviewer.models import Checksums

    return MiniLMEmbedder(Checksums(None))
