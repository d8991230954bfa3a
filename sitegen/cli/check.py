"""`sitegen check`: broken internal links, anchors and images, at the line of the source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sitegen.cli.command import command
from sitegen.compiler.check import check_site
from sitegen.compiler.pipeline import BuildOptions
from sitegen.compiler.tree import bundled_themes_dir
from sitegen.errors import SitegenError

from .report import fail
from .source import held_back_options, resolve_site, source_options


@command("check")
@click.argument("source", default=".", metavar="[SITE]")
@held_back_options
@source_options
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and more detail.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")
def check(
    source: str, drafts: bool, future: bool, verbose: bool, quiet: bool, **source_opts: Any
) -> None:
    """Build SITE into a temporary folder and check its internal links, anchors and images.

    Each problem is printed as PATH:LINE: message; the exit status is 1 when there is any.
    """
    roots = [(Path(source), ""), (bundled_themes_dir(), "themes/")]
    try:
        site_dir = resolve_site(source, quiet=quiet, **source_opts)
        roots[0] = (site_dir, "")
        report = check_site(site_dir, BuildOptions(drafts=drafts, future=future))
    except SitegenError as exc:
        fail(exc, roots, verbose)
    for d in report.problems:
        click.echo(str(d))
    if not quiet:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        n = len(report.problems)
        summary = f"checked {report.links} links on {report.pages} pages: "
        click.echo(summary + (f"{n} problem{'s' if n != 1 else ''}" if n else "all good"), err=True)
    if report.problems:
        raise SystemExit(1)
