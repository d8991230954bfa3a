"""Layer 5: the `sitegen` command. Each command lives in its own module; this one wires them."""

from __future__ import annotations

import click

from sitegen import __version__

from .build import build, new
from .check import check
from .publish import publish, rollback, schedule, status, verify
from .serve import serve
from .sync import login, sync


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """Build, preview and publish websites kept in Nextcloud (or any folder)."""


for command in (build, new, check, serve, sync, login, publish, rollback, verify, schedule, status):
    main.add_command(command)
