"""`sitegen build` and `sitegen new`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from sitegen.cli.command import command
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.compiler.tree import bundled_themes_dir
from sitegen.config import parse_overrides, toml_string
from sitegen.errors import SitegenError

from .overrides import settings_options
from .report import fail, progress_bar
from .source import held_back_options, resolve_site, source_options


@command()
@click.argument("source", default=".", metavar="[SOURCE]")
@click.option(
    "-o",
    "--output",
    "out",
    default="public",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder.",
)
@click.option(
    "--replace-output",
    is_flag=True,
    help="Let OUTPUT be a non-empty folder sitegen did not make, and delete what it holds.",
)
@held_back_options
@click.option("--clean", is_flag=True, help="Ignore any build cache and render every page.")
@settings_options
@source_options
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and more detail.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(
    source: str,
    out: Path,
    drafts: bool,
    future: bool,
    clean: bool,
    replace_output: bool,
    base_url: str | None,
    settings: tuple[str, ...],
    verbose: bool,
    quiet: bool,
    **source_opts: Any,
) -> None:
    """Build the site in SOURCE (a folder, or a nextcloud:// or webdav:// URL) into OUTPUT."""
    roots = [(Path(source), ""), (bundled_themes_dir(), "themes/")]
    try:
        overrides = parse_overrides(base_url, settings)  # before a remote source is synced
        site_dir = resolve_site(source, quiet=quiet, **source_opts)
        roots[0] = (site_dir, "")
        options = BuildOptions(
            drafts=drafts,
            future=future,
            clean=clean,
            replace_output=replace_output,
            overrides=overrides,
        )
        with progress_bar(not quiet) as progress:
            result = build_site(site_dir, out, options, progress=progress)
    except SitegenError as exc:
        fail(exc, roots, verbose)
    if result.site is not None:
        for d in result.site.warnings:  # links that lead nowhere: the site was still built
            click.echo(f"warning: {d}", err=True)
    if not quiet:
        click.echo(
            f"built {result.pages} pages, {result.assets} assets in {result.seconds:.2f} s -> {out}"
        )


_SCAFFOLD = {
    "sitegen.toml": """title = {title_toml}
description = "A new site built with sitegen"
author = ""
language = "en"
base_url = "/"
{theme_line}
nav = [
  {{ title = "Home", url = "/" }},
  {{ title = "About", url = "/about/" }},
]

[globals]
# values here are visible to templates as site.NAME
""",
    "index.md": """---
title: Welcome
---
# Welcome to {title}

This site is built by [sitegen](https://pypi.org/project/sitegen-nextcloud/) from a folder
of Markdown.
Read the [first post](posts/{date}-hello.md) or [about this site](about.md).
""",
    "about.md": """---
title: About
---
# About

Write about your site here. Pages are Markdown files; folders are sections.
""",
    "404.md": """---
title: Page not found
---
# Page not found

The page you asked for is not here. Go back to the [home page](index.md).
""",
    "posts/{date}-hello.md": """---
title: Hello, world
tags: [news]
---
The first post. The date comes from the file name.

::: info
Callouts from Nextcloud's Text app work too.
:::
""",
}


@command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--theme", default=None, help="Theme name (default: the built-in default theme).")
@click.option("--title", default="My site", show_default=True, help="The site's title.")
def new(directory: Path, theme: str | None, title: str) -> None:
    """Create a new site in DIRECTORY."""
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} exists and is not empty")
    if theme and not (bundled_themes_dir() / theme).is_dir():
        names = ", ".join(sorted(p.name for p in bundled_themes_dir().iterdir() if p.is_dir()))
        raise click.ClickException(f"no theme named {theme!r} (themes: {names})")
    date = dt.date.today().isoformat()
    theme_line = f"theme = {toml_string(theme)}" if theme else '# theme = "default"'
    for name, text in _SCAFFOLD.items():
        path = directory / name.format(date=date)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            text.format(
                title=title, title_toml=toml_string(title), date=date, theme_line=theme_line
            ),
            encoding="utf-8",
        )
    click.echo(f"created {directory}; build it with: sitegen build {directory}")
