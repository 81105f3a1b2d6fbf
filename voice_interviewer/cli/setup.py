"""`doctor` and `devices`: is every part ready, and which audio devices are there."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from voice_interviewer.cli.app import _engines, app, handle_errors, out
from voice_interviewer.errors import ExitCode

if TYPE_CHECKING:
    from voice_interviewer.doctor import Check


@app.command(rich_help_panel="Set up")
@handle_errors
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    brief: Annotated[bool, typer.Option("--brief", help="Short table: details only for what is not OK.")] = False,
) -> None:
    """Check each part (audio devices, speech model, embeddings, Chroma, LLM, speech output)."""
    from voice_interviewer.doctor import run_checks

    checks = run_checks(_engines())
    if as_json:
        out.print_json(json.dumps([c.__dict__ for c in checks]))
    else:
        table = Table(title="Readiness" if brief else "voice-interviewer doctor")
        table.add_column("part")
        table.add_column("status")
        table.add_column("detail / what to do")
        for c in checks:
            table.add_row(
                c.part,
                "[green]OK[/]" if c.ok else "[yellow]none[/]" if c.optional else _failed(c),
                "" if brief and c.ok else c.detail,
            )
        out.print(table)
    failed = [c for c in checks if not c.ok and not c.optional]
    if failed:  # a missing part is exit 4; only servers or devices that did not answer, exit 5
        raise typer.Exit(int(ExitCode.DEVICE if all(c.unreachable for c in failed) else ExitCode.MISSING_MODEL))


def _failed(c: Check) -> str:
    return "[red]no answer[/]" if c.unreachable else "[red]missing[/]"


@app.command(rich_help_panel="Set up")
@handle_errors
def devices() -> None:
    """List audio devices (use the index with --input-device / --output-device)."""
    from voice_interviewer.audio.devices import list_devices

    devs = list_devices()
    table = Table(title="Audio devices")
    for col in ("#", "name", "in", "out", "rate", "default"):
        table.add_column(col)
    for d in devs:
        dflt = " ".join(x for x, on in (("input", d.is_default_input), ("output", d.is_default_output)) if on)
        table.add_row(str(d.index), d.name, str(d.inputs), str(d.outputs), f"{d.default_rate:.0f}", dflt)
    out.print(table if devs else "No audio devices found (no sound card, or PortAudio sees none).")
