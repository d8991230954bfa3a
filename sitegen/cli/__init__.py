"""Layer 5: the `sitegen` command. Each command lives in its own module; this one wires them.

Commands are imported only when they run, so `sitegen build` does not pay for the HTTP, WebDAV
and server libraries that `publish` and `serve` need.
"""

from __future__ import annotations

import importlib

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
    "rollback": "publish:rollback",
    "verify": "publish:verify",
    "key": "publish:key",
    "schedule": "publish:schedule",
    "status": "publish:status",
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


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """Build, preview and publish websites kept in Nextcloud (or any folder)."""
