"""Where user data and bundled data live.

All user data (recordings, the Chroma index, joined models, caches) lives under one data home:
``$VOICE_INTERVIEWER_HOME`` when set; otherwise, when running from a source checkout, the
checkout itself (recordings go to ``./recordings``, the rest to ``./.data``); otherwise
``~/.local/share/voice-interviewer``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "VOICE_INTERVIEWER_HOME"
ENV_RUBRICS = "VOICE_INTERVIEWER_RUBRICS"

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE_DIR.parent


def _is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "rubrics").is_dir()


@dataclass(frozen=True)
class DataHome:
    """The folders of one data home."""

    root: Path
    recordings: Path  # one folder per session
    state: Path  # Chroma index, joined model files, checksum cache

    @property
    def chroma(self) -> Path:
        return self.state / "chroma"

    @property
    def models(self) -> Path:
        return self.state / "models"

    def ensure(self) -> DataHome:
        self.recordings.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(parents=True, exist_ok=True)
        return self


def data_home(env: dict[str, str] | None = None) -> DataHome:
    """The data home for this run (see the module docstring)."""
    env = dict(os.environ) if env is None else env
    if env.get(ENV_HOME):
        root = Path(env[ENV_HOME]).expanduser().resolve()
        return DataHome(root, root / "recordings", root / "state")
    if _is_checkout(_CHECKOUT):
        return DataHome(_CHECKOUT, _CHECKOUT / "recordings", _CHECKOUT / ".data")
    root = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "voice-interviewer"
    return DataHome(root, root / "recordings", root / "state")


def rubrics_root(env: dict[str, str] | None = None) -> Path:
    """The folder of rubric tracks: ``$VOICE_INTERVIEWER_RUBRICS``, else the bundled ``rubrics/``."""
    env = dict(os.environ) if env is None else env
    if env.get(ENV_RUBRICS):
        return Path(env[ENV_RUBRICS]).expanduser().resolve()
    bundled = _PACKAGE_DIR / "_data" / "rubrics"
    return bundled if bundled.is_dir() else _CHECKOUT / "rubrics"


def knowledge_root() -> Path:
    """The bundled knowledge notes."""
    bundled = _PACKAGE_DIR / "_data" / "knowledge"
    return bundled if bundled.is_dir() else _CHECKOUT / "knowledge"


def samples_root() -> Path:
    """The bundled sample answers (text, synthesized to speech for the demo)."""
    bundled = _PACKAGE_DIR / "_data" / "samples"
    return bundled if bundled.is_dir() else _CHECKOUT / "samples"
