"""Layer 5: `sitegen sync SOURCE` (bring a remote source's mirror up to date) and
`sitegen login nextcloud://alice@host` (Nextcloud Login Flow v2)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from sitegen.cli.command import command
from sitegen.errors import SitegenError

from .source import limit_option


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on a terminal, nothing when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("fetching"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("fetch", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@command("sync")
@click.argument("source")
@click.option("--user", default=None, help="User name, if the URL does not name one.")
@click.option(
    "--cache",
    "cache_dir",
    default=None,
    type=click.Path(path_type=Path),
    help="Mirror folder (default: one per source in the user cache folder).",
)
@click.option(
    "--jobs", default=8, show_default=True, type=click.IntRange(1, 64), help="Parallel transfers."
)
@limit_option
def sync(
    source: str, user: str | None, cache_dir: Path | None, jobs: int, limits: tuple[str, ...]
) -> None:
    """Bring the local mirror of SOURCE up to date, moving only what changed."""
    from sitegen.sources import SyncLimits, open_source

    try:
        src = open_source(
            source,
            user=user,
            cache_dir=cache_dir,
            jobs=jobs,
            limits=SyncLimits().with_settings(limits),
        )
        with _progress() as progress:
            result = src.sync(progress)
    except SitegenError as e:
        raise click.ClickException(str(e)) from None
    c = result.changes
    click.echo(
        f"{src.label}: {len(c.added)} added, {len(c.changed)} changed, {len(c.removed)} removed"
        f" ({result.bytes} bytes, {result.requests} requests, {result.seconds:.2f} s)"
        f" -> {src.local_dir}"
    )


@command("login")
@click.argument("source")
@click.option("--no-keyring", is_flag=True, help="Store the password in netrc, not the keyring.")
def login(source: str, no_keyring: bool) -> None:
    """Log in to Nextcloud (Login Flow v2) and store an app password for SOURCE."""
    from sitegen.sources.auth import login as run_login
    from sitegen.sources.url import RemoteLocation, parse_location

    def show(url: str) -> None:
        click.echo(f"Open this address in a browser and grant access:\n\n  {url}\n", err=True)
        click.echo("Waiting for the login to finish ...", err=True)

    try:
        location = parse_location(source)
        if not isinstance(location, RemoteLocation):
            raise click.ClickException("login needs a nextcloud:// URL")
        result = run_login(location, show_url=show, use_keyring=not no_keyring)
    except SitegenError as e:
        raise click.ClickException(str(e)) from None
    click.echo(
        f"logged in as {result.user} at {location.origin}; "
        f"app password stored in {result.stored_in}"
    )
