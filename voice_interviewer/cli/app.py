"""The shared Typer app, its consoles, the options several commands share, and the one error handler."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from voice_interviewer import __version__
from voice_interviewer.engines import Engines, Settings
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import data_home

app = typer.Typer(
    name="voice-interviewer",
    help="A spoken mock-interview coach that runs on your own machine.\n\n"
    "Examples:\n\n"
    "  voice-interviewer practice --round phone-screen --questions 5\n\n"
    "  voice-interviewer practice --demo\n\n"
    "  voice-interviewer questions --round phone-screen\n\n"
    "  voice-interviewer score answer.wav --question phone-screen/bias-variance\n\n"
    "  voice-interviewer score --text 'Bias is...' --question phone-screen/bias-variance --json\n\n"
    "  voice-interviewer sessions\n\n"
    "  voice-interviewer progress\n\n"
    "  voice-interviewer doctor",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

SttOpt = Annotated[
    str,
    typer.Option(
        "--stt-model",
        help="tiny.en (bundled, default), base (bundled), a CTranslate2 model folder, or a faster-whisper model name.",
    ),
]
DeviceOpt = Annotated[
    str, typer.Option("--device", help="Where to transcribe: cpu, cuda or auto (falls back to the CPU).")
]
TrackOpt = Annotated[
    str | None, typer.Option("--track", help="Rubric track (a folder under rubrics/); default: the first there.")
]


def handle_errors(fn: F) -> F:
    """Turn a UserError into one line and its exit code; an unexpected error into a log file."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserError as e:
            err.print(f"[bold red]error:[/] {e.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(int(e.code)) from None
        except KeyboardInterrupt:
            err.print("[yellow]Interrupted.[/] Nothing was lost: recordings are saved as they are made.")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except typer.Exit:
            raise
        except Exception as e:  # noqa: BLE001 (the last line of defence: log, one line, exit 1)
            home = data_home().ensure()
            log = home.state / "logs" / f"error-{time.strftime('%Y%m%d-%H%M%S')}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(traceback.format_exc())
            err.print(f"[bold red]unexpected error:[/] {type(e).__name__}: {e}. Details: {log}", soft_wrap=True)
            raise typer.Exit(int(ExitCode.FAILURE)) from None

    return wrapper  # type: ignore[return-value]


def output_file(path: Path, option: str, suffixes: tuple[str, ...] = ()) -> Path:
    """``path`` checked as a file to write before any work: not a folder, and with one of ``suffixes``
    (the first is the format written) when given."""
    if path.is_dir():
        example = path / f"{option.strip('-')}{suffixes[0] if suffixes else ''}"
        raise UserError(f"{option} {path} is a folder; give a file name in it, e.g. {example}.", ExitCode.USAGE)
    if suffixes and path.suffix.lower() not in suffixes:
        raise UserError(
            f"{option} writes a {suffixes[0]} file; give a name ending in {suffixes[0]}, not {path.name!r}.",
            ExitCode.USAGE,
        )
    return path


def write_output(path: Path, option: str, write: Callable[[Path], object]) -> None:
    """``write(path)`` after making its folder; a path that cannot be written is a usage error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    except OSError as e:
        raise UserError(f"Cannot write {option} {path}: {e.strerror or e}.", ExitCode.USAGE) from None


def _engines(stt_model: str | None = None, device: str | None = None, track: str | None = None, **kw: Any) -> Engines:
    """Engines from the options; what a command does not pass comes from the user's defaults
    (VOICE_INTERVIEWER_* variables, then the config file, then the built-in defaults)."""
    from voice_interviewer.config import settings_defaults

    given = {"stt_model": stt_model, "device": device, "track": track, **kw}
    merged = {name: value if given.get(name) is None else given[name] for name, value in settings_defaults().items()}
    settings = Settings(**{**given, **merged})
    return Engines(settings, notify=lambda m: err.print(f"[dim]{m}[/]"))


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def version_callback(value: bool) -> None:
    if value:
        out.print(f"voice-interviewer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """A spoken mock-interview coach."""
    from voice_interviewer.cli.config import apply_config

    apply_config(ctx)  # your defaults (VOICE_INTERVIEWER_* variables, then the config file) under the flags
