"""`voice-interviewer doctor`: each part, OK or what to do."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from voice_interviewer.engines import Engines
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.models import PIPER_JOE, SMOLLM2, Checksums, verified_folder


@dataclass
class Check:
    part: str
    ok: bool
    detail: str
    optional: bool = False
    unreachable: bool = False  # installed, but a server or device it needs did not answer (exit 5, not 4)


def _try(part: str, fn: Callable[[], str], optional: bool = False) -> Check:
    try:
        return Check(part, True, fn())
    except UserError as e:
        return Check(part, False, e.message, optional, unreachable=e.code == ExitCode.DEVICE)
    except Exception as e:  # noqa: BLE001 (doctor reports every failure as a row, never crashes)
        return Check(part, False, f"{type(e).__name__}: {e}", optional)


def _default_device(inputs: bool, missing: str) -> str:
    from voice_interviewer.audio.devices import list_devices

    devs = [d for d in list_devices() if (d.inputs if inputs else d.outputs) > 0]
    if not devs:
        raise UserError(missing)
    default = next((d for d in devs if (d.is_default_input if inputs else d.is_default_output)), devs[0])
    return f"{default.name} (#{default.index}); {len(devs)} device(s), see `voice-interviewer devices`"


def microphone() -> str:
    return _default_device(True, "none found: `practice` runs the demo (a synthesized candidate answers) or use --text")


def speakers() -> str:
    return _default_device(False, "none found: the interviewer's lines are shown as text and saved as audio files")


def run_checks(engines: Engines) -> list[Check]:
    sums = Checksums(engines.home)

    def stt() -> str:
        t = engines.transcriber
        return f"{t.name} (faster-whisper, sha256 checked)"

    def emb() -> str:
        e = engines.embedder
        assert e is not None
        e.embed(["hello"])
        return f"{e.name} (ONNX, sha256 checked)"

    def rubrics() -> str:
        t = engines.track
        return f"{t.name}: {len(t.questions)} questions in {len(t.rounds)} rounds"

    def chroma() -> str:
        if importlib.util.find_spec("chromadb") is None:
            raise UserError("chromadb is not installed: run make setup")
        from voice_interviewer.retrieval.index import index_status

        return index_status(engines)

    def llm() -> str:
        spec = engines.settings.llm
        if spec.strip().lower() != "local":
            from voice_interviewer.interviewer.chat import split_spec
            from voice_interviewer.interviewer.providers import install_hint, is_installed, provider_package

            provider, _ = split_spec(spec)
            package = provider_package(provider)
            if package is None or not is_installed(package):
                raise UserError(
                    f"{spec} (your setting) needs {package or 'a provider package'}: {install_hint(provider)}"
                )
            return f"{spec} (your setting) through {package}; the rubric's probes if it does not answer"
        if importlib.util.find_spec("llama_cpp") is None:
            raise UserError("llama-cpp-python is not installed: run make setup (it builds from source, a few minutes)")
        folder = verified_folder(SMOLLM2, sums)
        return f"SmolLM2-135M-Instruct via llama.cpp ({folder.name}); --llm provider:model for others"

    chosen = engines.settings.tts

    def tts() -> str:
        if not (shutil.which("espeak-ng") or shutil.which("espeak")):
            raise UserError("espeak-ng is missing: run make setup or: sudo apt-get install espeak-ng")
        use = "the interviewer's voice" if chosen == "pyttsx3" else "--tts pyttsx3"
        return f"pyttsx3 + espeak-ng ({use})"

    def piper_tts() -> str:
        from voice_interviewer.tts.piper import VOICE_NAME, _require

        _require()
        verified_folder(PIPER_JOE, sums)
        use = (
            "the interviewer's voice"
            if chosen == "piper"
            else "--tts piper, or: voice-interviewer config set tts piper"
        )
        return f"Piper {VOICE_NAME}, sha256 checked (the demo candidate; {use})"

    return [
        _try("microphone", microphone, optional=True),
        _try("speakers", speakers, optional=True),
        _try("speech model", stt),
        _try("embeddings", emb),
        _try("rubrics", rubrics),
        _try("knowledge index (Chroma)", chroma),
        _try("LLM (interviewer)", llm),
        _try("voice: pyttsx3", tts, optional=chosen != "pyttsx3"),
        _try("voice: Piper", piper_tts, optional=chosen != "piper"),
    ]
