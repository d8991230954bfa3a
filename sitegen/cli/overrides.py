"""`--base-url URL` and `--set KEY=VALUE`: settings over the site's sitegen.toml, for the commands
that build (build, serve, publish, schedule). sitegen.config.overrides reads and checks them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

SETTINGS_OPTIONS = [
    click.option(
        "--base-url",
        default=None,
        metavar="URL",
        help="Serve the site from URL (over sitegen.toml's base_url); an absolute one "
        "(https://example.org/) also turns on feeds and the sitemap.",
    ),
    click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a sitegen.toml setting (repeatable): title=Notes, feeds=true, "
        "limits.template_seconds=5, globals.contact=me@example.org. VALUE is read as TOML, "
        "else as text.",
    ),
]


def settings_options(f: F) -> F:
    """The options above, on a command."""
    for option in reversed(SETTINGS_OPTIONS):
        f = option(f)
    return f
