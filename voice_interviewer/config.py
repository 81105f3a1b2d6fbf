"""The user's defaults: a TOML configuration file and ``VOICE_INTERVIEWER_*`` environment variables.

Every default of the command line (speech model, device, voices, round, track, end-of-answer
silence, interviewer model and its timeout, Chroma server, audio devices, barge-in) can be set once instead of
repeated as a flag. Precedence: a flag on the command line, then the environment variable
(``VOICE_INTERVIEWER_STT_MODEL`` for ``stt_model``...), then the file, then the built-in default.

The file (see :func:`voice_interviewer.paths.config_file`) is flat ``key = value`` TOML::

    stt_model = "base"
    end_silence = 3.0
    tts = "piper"
    barge_in = true

API keys are never read or written here: each provider reads its own variable (``OPENAI_API_KEY``...).
:func:`set_value` edits one line and keeps the rest of the file (comments included) as it was.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import ParseResult, urlparse

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import config_file

ENV_PREFIX = "VOICE_INTERVIEWER_"
Value = str | float | int | None


class ConfigError(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.USAGE)


def _text(choices: tuple[str, ...] = ()) -> Callable[[object], Value]:
    def parse(raw: object) -> Value:
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError("a non-empty text is needed")
        v = raw.strip()
        if choices and v not in choices:
            raise ValueError(f"one of {', '.join(choices)} is needed")
        return v

    return parse


def _llm(raw: object) -> Value:
    v = _text()(raw)
    assert isinstance(v, str)
    provider, _, model = v.partition(":")
    if v != "local" and not (provider.strip() and model.strip()):
        raise ValueError("local or provider:model (e.g. ollama:qwen2.5:7b) is needed")
    return v


def server_address(url: str) -> ParseResult:
    """A server's address as given (``http://host:8000``, or ``host:8000`` meaning http)."""
    return urlparse(url if "://" in url else f"http://{url}")


def _url(raw: object) -> Value:
    v = _text()(raw)
    assert isinstance(v, str)
    u = server_address(v)
    try:
        port_ok = u.port is None or 0 < u.port < 65536
    except ValueError:
        port_ok = False
    if u.scheme not in ("http", "https") or not u.hostname or not port_ok or " " in v:
        raise ValueError("a server address such as http://localhost:8000 is needed")
    return v


def _device(raw: object) -> Value:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return str(raw)  # an index, as `devices` lists them
    return _text()(raw)


def _flag(raw: object) -> Value:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _FLAG_WORDS:
        return _FLAG_WORDS[raw.strip().lower()]
    raise ValueError("true or false is needed")


_FLAG_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def _number(low: float, high: float, integer: bool = False) -> Callable[[object], Value]:
    def parse(raw: object) -> Value:
        if isinstance(raw, bool):
            raise ValueError("a number is needed")
        try:
            v = float(raw) if isinstance(raw, str | int | float) else None
        except ValueError:
            v = None
        if v is None or v != v:
            raise ValueError("a number is needed")
        if integer and v != int(v):
            raise ValueError("a whole number is needed")
        if not low <= v <= high:
            raise ValueError(f"a number from {low:g} to {high:g} is needed")
        return int(v) if integer else v

    return parse


@dataclass(frozen=True)
class Key:
    """One default: its name in the file, what the CLI calls it, and how a value is checked."""

    name: str
    default: Value
    parse: Callable[[object], Value]
    help: str
    param: str = ""  # the command-line parameter it is the default of (the name when empty)
    commands: tuple[str, ...] = ()  # only these commands (every command with the parameter when empty)

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def param_name(self) -> str:
        return self.param or self.name


KEYS: tuple[Key, ...] = (
    Key("stt_model", "tiny.en", _text(), "speech model: tiny.en, base, a model folder or a faster-whisper name"),
    Key("device", "auto", _text(("auto", "cpu", "cuda")), "where to transcribe: auto, cpu or cuda"),
    Key("tts", "pyttsx3", _text(("pyttsx3", "piper")), "the interviewer's voice engine: pyttsx3 or piper"),
    Key("voice", None, _text(), "pyttsx3 voice id for the interviewer"),
    Key("rate", 175, _number(80, 400, integer=True), "interviewer speaking rate, words a minute"),
    Key("round", None, _text(), "the round `practice` asks from (none: the loop's first)", "round_", ("practice",)),
    Key("track", None, _text(), "rubric track, a folder of rubrics (none: the first there)"),
    Key("end_silence", 2.5, _number(0.8, 15), "seconds of silence that end an answer"),
    Key("llm", "local", _llm, "the interviewer model: local or provider:model", commands=("practice",)),
    Key("llm_timeout", 20.0, _number(1, 600), "seconds to wait for a follow-up before the rubric's probe"),
    Key("chroma_url", None, _url, "a Chroma server, e.g. http://localhost:8000 (none: the embedded store)"),
    Key("input_device", None, _device, "microphone: index or name (see `devices`)"),
    Key("output_device", None, _device, "speakers: index or name"),
    Key(
        "barge_in",
        False,
        _flag,
        "practice: speaking over the interviewer stops it (with headphones)",
        commands=("practice",),
    ),
)
BY_NAME: dict[str, Key] = {k.name: k for k in KEYS}


@dataclass(frozen=True)
class Resolved:
    key: Key
    value: Value
    source: str  # "default", "file", or the environment variable's name


def _key(name: str) -> Key:
    norm = name.strip().lower().replace("-", "_")
    if norm not in BY_NAME:
        raise ConfigError(f"Unknown setting {name!r}; settings: {', '.join(BY_NAME)}.")
    return BY_NAME[norm]


def read_file(path: Path | None = None) -> dict[str, Value]:
    """The settings in the file ({} when there is none), checked; an error names the file and line."""
    path = path or config_file()
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"The configuration file {path} cannot be read: {e}.") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(
            f"The configuration file {path} is not valid TOML ({e}). Fix it, or move it away to use the defaults."
        ) from None
    out: dict[str, Value] = {}
    for name, raw in data.items():
        if name not in BY_NAME:
            raise ConfigError(
                f"The configuration file {path} has an unknown setting {name!r}; settings: {', '.join(BY_NAME)}."
            )
        try:
            out[name] = BY_NAME[name].parse(raw)
        except ValueError as e:
            raise ConfigError(f"The configuration file {path}: {name} = {raw!r}: {e}.") from None
    return out


def resolve(env: Mapping[str, str] | None = None, path: Path | None = None) -> dict[str, Resolved]:
    """Every setting with its value and where it came from: environment, then file, then default."""
    env = os.environ if env is None else env
    from_file = read_file(path or config_file(dict(env)))
    out: dict[str, Resolved] = {}
    for k in KEYS:
        raw = env.get(k.env, "")
        if raw.strip():
            try:
                out[k.name] = Resolved(k, k.parse(raw), k.env)
            except ValueError as e:
                raise ConfigError(f"{k.env}={raw!r}: {e}.") from None
        elif k.name in from_file:
            out[k.name] = Resolved(k, from_file[k.name], "file")
        else:
            out[k.name] = Resolved(k, k.default, "default")
    return out


def values(env: Mapping[str, str] | None = None, path: Path | None = None) -> dict[str, Value]:
    """{setting: value} after the environment and the file."""
    return {name: r.value for name, r in resolve(env, path).items()}


# Settings (voice_interviewer.engines.Settings) field <- setting
_SETTINGS_FIELDS = {
    "stt_model": "stt_model",
    "device": "device",
    "track": "track",
    "chroma_url": "chroma_url",
    "llm": "llm",
    "llm_timeout_s": "llm_timeout",
    "tts": "tts",
}


def settings_defaults(env: Mapping[str, str] | None = None, path: Path | None = None) -> dict[str, Any]:
    """The engine settings' defaults (by Settings field name) after the environment and the file."""
    v = values(env, path)
    return {field: v[name] for field, name in _SETTINGS_FIELDS.items()}


def default_map(command: Any, settings: Mapping[str, Value]) -> dict[str, Any]:
    """Click's ``default_map`` for a command tree: each option a setting names gets that setting's value.

    Click then applies a flag first, its own ``envvar`` next, and this map after them, so flags win.
    """
    out: dict[str, Any] = {}
    for name, sub in (getattr(command, "commands", None) or {}).items():
        sub_map: dict[str, Any] = default_map(sub, settings)
        params = {p.name for p in getattr(sub, "params", ())}
        for k in KEYS:
            if k.param_name in params and (not k.commands or name in k.commands) and settings.get(k.name) is not None:
                sub_map[k.param_name] = settings[k.name]
        if sub_map:
            out[name] = sub_map
    return out


# --- writing ------------------------------------------------------------------------------------

_LINE = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


def _toml_value(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        raise ValueError(f"cannot write {v!r}")
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def set_value(name: str, raw: str | None, path: Path | None = None) -> tuple[Key, Value, Path]:
    """Set (or, with ``raw`` None, remove) one setting in the file; every other line stays as it was.

    The value is checked first and the new file is parsed before it replaces the old one (atomically),
    so a bad value or a broken file changes nothing.
    """
    key = _key(name)
    path = path or config_file()
    value: Value = None
    if raw is not None:
        try:
            value = key.parse(raw)
        except ValueError as e:
            raise ConfigError(f"{key.name} = {raw!r}: {e}.") from None
    read_file(path)  # refuses to edit a file that is already broken: nothing of it is lost
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    kept = [ln for ln in lines if not ((m := _LINE.match(ln)) and m.group(1).strip('"') == key.name)]
    if value is not None:
        if not lines:
            kept.append("# voice-interviewer settings: `voice-interviewer config show` lists them all.")
        kept.append(f"{key.name} = {_toml_value(value)}")
    text = "\n".join(kept) + "\n"
    tomllib.loads(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return key, value, path
