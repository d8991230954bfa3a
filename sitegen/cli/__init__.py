"""Layer 5: the `sitegen` command. Each command lives in its own module; this one wires them.

Commands are imported only when they run, so `sitegen build` does not pay for the HTTP, WebDAV
and server libraries that `publish` and `serve` need.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from sitegen import __version__

# name -> "module:attribute" of the click command
COMMANDS = {
    "build": "build:build",
    "new": "build:new",
    "check": "check:check",
    "serve": "serve:serve",
    "sync": "sync:sync",
    "login": "sync:login",
    "publish": "publish:publish",
    "rollback": "target:rollback",
    "verify": "target:verify",
    "key": "target:key",
    "schedule": "schedule:schedule",
    "status": "schedule:status",
    "nextcloud-app": "nextcloud_app:nextcloud_app",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command)
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's own run, with its errors (usage ones too) in sitegen's one style, `error: …`
        on stderr, instead of click's `Error: …`."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            show_error(exc)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        # without standalone mode click returns the code of an early exit (--help, --version)
        sys.exit(rv if isinstance(rv, int) else 0)


def show_error(exc: click.ClickException) -> None:
    """A usage error keeps click's usage line and hint; every error ends in `error: …`."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `sitegen`: click (8.2+) shows the help
        exc.show()
        return
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        if ctx.command.get_help_option(ctx) is not None:
            click.echo(f"Try '{ctx.command_path} {ctx.help_option_names[0]}' for help.", err=True)
    click.echo(f"error: {exc.format_message()}", err=True)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """Build, preview and publish websites kept in Nextcloud (or any folder)."""
