"""Audio devices through sounddevice (PortAudio)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voice_interviewer.errors import ExitCode, UserError

NO_PORTAUDIO = "PortAudio is missing: run the set-up (make setup) or: sudo apt-get install libportaudio2"


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int
    outputs: int
    default_rate: float
    is_default_input: bool
    is_default_output: bool


def _sd() -> Any:
    try:
        import sounddevice as sd
    except OSError:
        raise UserError(NO_PORTAUDIO, ExitCode.DEVICE) from None
    return sd


def list_devices() -> list[Device]:
    sd = _sd()
    try:
        devs = sd.query_devices()
        d_in, d_out = sd.default.device
    except sd.PortAudioError as e:
        raise UserError(f"Could not list audio devices: {e}", ExitCode.DEVICE) from None
    return [
        Device(
            i,
            d["name"],
            d["max_input_channels"],
            d["max_output_channels"],
            d["default_samplerate"],
            i == d_in,
            i == d_out,
        )
        for i, d in enumerate(devs)
    ]


def has_input(devices: list[Device]) -> bool:
    return any(d.inputs > 0 for d in devices)


def has_output(devices: list[Device]) -> bool:
    return any(d.outputs > 0 for d in devices)
