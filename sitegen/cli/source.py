"""Turn the SOURCE argument and the operator's options into a local folder to build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sitegen.errors import SitegenError

F = TypeVar("F", bound=Callable[..., Any])


def held_back_options(f: F) -> F:
    """--drafts and --future: build the pages a site holds back by default."""
    f = click.option(
        "--future", is_flag=True, help="Include pages whose date or publish_date is to come."
    )(f)
    return click.option("--drafts", is_flag=True, help="Include pages marked draft.")(f)


def limit_option(f: F) -> F:
    """--limit KEY=VALUE: what a sync accepts from the server (docs/sources.md)."""
    return click.option(
        "--limit",
        "limits",
        multiple=True,
        metavar="KEY=VALUE",
        help="A sync limit: size=2GB, request=5m, sync=30m, depth=32, entries=100000.",
    )(f)


def source_options(f: F) -> F:
    """The options every command that reads a site source takes."""
    f = click.option("--user", default=None, help="User name for a remote source.")(f)
    f = click.option(
        "--cache",
        "cache_dir",
        default=None,
        type=click.Path(path_type=Path),
        help="Mirror folder for a remote source.",
    )(f)
    f = click.option("--offline", is_flag=True, help="Build from the local mirror; no network.")(f)
    f = click.option("--jobs", default=8, show_default=True, help="Parallel transfers.")(f)
    return limit_option(f)


def resolve_site(
    spec: str,
    *,
    quiet: bool = False,
    user: str | None = None,
    cache_dir: Path | None = None,
    offline: bool = False,
    jobs: int = 8,
    limits: tuple[str, ...] = (),
    **_: object,
) -> Path:
    """The local folder to build: the folder itself, or a remote source's freshly synced mirror."""
    if "://" not in spec:  # a folder path (sources/kinds.py), read in place
        path = Path(spec)
        if not path.is_dir():
            raise SitegenError(f"{spec}: no such folder")
        return path
    # imported only for a URL: the sources package brings the WebDAV modules (XML, e-mail dates)
    from sitegen.sources import SyncLimits, open_source

    source = open_source(
        spec,
        user=user,
        cache_dir=cache_dir,
        jobs=jobs,
        offline=offline,
        limits=SyncLimits().with_settings(limits),
    )
    result = source.sync()  # offline: checks that a mirror exists, fetches nothing
    if not offline and not quiet:
        click.echo(
            f"synced {source.label}: {len(result.changes)} changed, "
            f"{result.requests} requests, {result.seconds:.2f} s",
            err=True,
        )
    return Path(source.local_dir)
