"""Where user data and bundled data live.

All user data (recordings, the Chroma index, joined models, caches) lives under one data home:
``$VOICE_INTERVIEWER_HOME`` when set; otherwise, when running from a source checkout, the
checkout itself (recordings go to ``./recordings``, the rest to ``./.data``); otherwise (an installed
tool) the platform's data folder: ``$XDG_DATA_HOME/voice-interviewer`` (``~/.local/share/...``) on
Linux, ``~/Library/Application Support/voice-interviewer`` on macOS, ``%LOCALAPPDATA%`` on Windows.

The user's configuration file (:mod:`voice_interviewer.config`) is ``$VOICE_INTERVIEWER_CONFIG`` when
set, else ``config.toml`` in the platform's config folder (``$XDG_CONFIG_HOME/voice-interviewer``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "VOICE_INTERVIEWER_HOME"
ENV_RUBRICS = "VOICE_INTERVIEWER_RUBRICS"
ENV_CONFIG = "VOICE_INTERVIEWER_CONFIG"
APP_NAME = "voice-interviewer"

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
    root = platform_data_dir(env)
    return DataHome(root, root / "recordings", root / "state")


def _home(env: dict[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def platform_data_dir(env: dict[str, str] | None = None, platform: str = sys.platform) -> Path:
    """The platform's folder for this tool's user data (XDG on Linux)."""
    env = dict(os.environ) if env is None else env
    if platform == "darwin":
        return _home(env) / "Library" / "Application Support" / APP_NAME
    if platform == "win32":
        return Path(env.get("LOCALAPPDATA") or _home(env) / "AppData" / "Local") / APP_NAME
    xdg = env.get("XDG_DATA_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else _home(env) / ".local" / "share") / APP_NAME


def platform_config_dir(env: dict[str, str] | None = None, platform: str = sys.platform) -> Path:
    """The platform's folder for this tool's configuration (XDG on Linux)."""
    env = dict(os.environ) if env is None else env
    if platform == "darwin":
        return _home(env) / "Library" / "Application Support" / APP_NAME
    if platform == "win32":
        return Path(env.get("APPDATA") or _home(env) / "AppData" / "Roaming") / APP_NAME
    xdg = env.get("XDG_CONFIG_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else _home(env) / ".config") / APP_NAME


def config_file(env: dict[str, str] | None = None) -> Path:
    """The user's configuration file (it need not exist)."""
    env = dict(os.environ) if env is None else env
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    return platform_config_dir(env) / "config.toml"


def running_from_checkout() -> bool:
    """True when the package is imported from a source checkout (not an installed wheel)."""
    return _is_checkout(_CHECKOUT)


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
