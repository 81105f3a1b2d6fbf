"""`voice-interviewer config show|set|unset|path`, and the defaults the other commands take from it."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.table import Table

from voice_interviewer.errors import UserError

Name = Annotated[str, typer.Argument(help="A setting, e.g. stt_model (see `config show`).", show_default=False)]


def apply_config(ctx: typer.Context) -> None:
    """Make the configured defaults (environment, then file) the defaults of every command's options.

    Called by the app's callback, before the command's options are parsed; a flag still wins. A broken
    file or variable stops every command with one message, except ``config`` itself (which reports it).
    """
    from voice_interviewer import config
    from voice_interviewer.cli.app import err

    try:
        ctx.default_map = config.default_map(ctx.command, config.values())
    except UserError as e:
        if ctx.invoked_subcommand == "config":
            return
        err.print(f"[bold red]error:[/] {e.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(int(e.code)) from None


def register(app: typer.Typer) -> None:
    from voice_interviewer import config
    from voice_interviewer.cli.app import handle_errors, out
    from voice_interviewer.paths import config_file

    config_app = typer.Typer(
        help="Your defaults, so you need not repeat flags: a TOML file and VOICE_INTERVIEWER_* variables.\n\n"
        "A flag wins over its variable (VOICE_INTERVIEWER_STT_MODEL...), which wins over the file.\n\n"
        "Examples:\n\n  voice-interviewer config set tts piper\n\n  voice-interviewer config set end_silence 3\n\n"
        "  voice-interviewer config show",
        no_args_is_help=True,
    )
    app.add_typer(config_app, name="config", rich_help_panel="Set up")

    @config_app.command("show")
    @handle_errors
    def show(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
        """Every setting, its value and where it comes from (variable, file or built-in default)."""
        path = config_file()
        settings = config.resolve()
        if as_json:
            rows = {n: {"value": r.value, "source": r.source, "variable": r.key.env} for n, r in settings.items()}
            out.print_json(json.dumps({"file": str(path), "settings": rows}))
            return
        table = Table(title="Settings")
        for col in ("setting", "value", "from", "what"):
            table.add_column(col)
        for name, r in settings.items():
            src = {"default": "[dim]default[/]", "file": "file"}.get(r.source, f"[yellow]{r.source}[/]")
            value = "[dim]none[/]" if r.value is None else str(r.value)
            table.add_row(name, value, src, r.key.help)
        out.print(table)
        state = "" if path.is_file() else " (not created yet: `config set` creates it)"
        out.print(f"File: {path}{state}", soft_wrap=True, highlight=False)
        out.print("Variables: VOICE_INTERVIEWER_ and the setting in capitals, e.g. VOICE_INTERVIEWER_STT_MODEL=base.")

    @config_app.command("set")
    @handle_errors
    def set_(
        name: Name,
        value: Annotated[str, typer.Argument(help="Its value.", show_default=False)],
    ) -> None:
        """Save one setting in the file (checked first; the rest of the file is kept as it was)."""
        key, v, path = config.set_value(name, value)
        out.print(f"{key.name} = {v} (saved in {path})")
        raw = os.environ.get(key.env, "").strip()
        if raw:
            out.print(f"[yellow]Note:[/] {key.env}={raw} is set in your environment and wins over the file.")

    @config_app.command("unset")
    @handle_errors
    def unset(name: Name) -> None:
        """Remove one setting from the file (back to the built-in default)."""
        key, _, path = config.set_value(name, None)
        out.print(f"{key.name}: back to the default ({key.default}); {path} updated.")

    @config_app.command("path")
    @handle_errors
    def path_() -> None:
        """Print where the configuration file is (set VOICE_INTERVIEWER_CONFIG to use another)."""
        out.print(str(config_file()), soft_wrap=True, highlight=False)
