"""`@command(...)`: click's command with sitegen's help options (-h and --help) on the command
itself, so a command behaves the same whether it is run through `sitegen` or on its own (click
caches a command's help option the first time it is asked for it)."""

from __future__ import annotations

import functools

import click

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

command = functools.partial(click.command, context_settings=HELP_OPTIONS)
