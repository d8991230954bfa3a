"""Layer 5: `sitegen publish`: the options and the terminal (`rollback`, `verify` and `key` are
in target.py, `schedule` and `status` in cli/schedule.py). The run itself (targets, sync, build,
plan, apply) is `sitegen.run`'s. Passwords come from the environment, netrc or the keyring and
are never printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sitegen.cli.command import command
from sitegen.errors import SitegenError
from sitegen.run import (
    RunSettings,
    default_state_dir,
    resolve_target,
    run_lock,
    run_pipeline,
)

from .overrides import SETTINGS_OPTIONS


class ConsoleEvents:
    """A run's events on the terminal: reports on stdout (or `report`), warnings on stderr, and
    a progress line while files are sent, on a terminal only."""

    def __init__(self, report: Callable[[str], None] | None = None) -> None:
        self._report = report or (lambda m: click.echo(m, err=True))
        self._done = [0, 0]
        self._tty = sys.stderr.isatty()

    def report(self, text: str) -> None:
        self._report(text)

    def warning(self, text: str) -> None:
        click.echo(text, err=True)

    def uploaded(self, path: str, size: int) -> None:
        if self._tty:
            self._done[0] += 1
            self._done[1] += size
            done, kb = self._done[0], self._done[1] // 1024
            click.echo(f"\r  uploaded {done} files, {kb} KB", nl=False, err=True)


# -- commands ------------------------------------------------------------------------------------

_common_target = [
    click.option(
        "--to",
        "to",
        required=True,
        help="Target: a folder, nextcloud://…, "
        "webdav+https://…, netlify-hook:URL, or a name in --deploy FILE.",
    ),
    click.option(
        "--deploy",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Local TOML file with [targets.NAME] entries.",
    ),
    click.option("--max-delete", default=None, help="Delete cap: N files or P% (default 50%)."),
    click.option(
        "--keep",
        "keep_releases",
        type=int,
        default=None,
        help="Web root: releases to keep (default 5).",
    ),
    click.option("--user", default=None, help="User name for a remote source or target."),
    click.option(
        "--cache",
        "cache_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Mirror folder for a remote source.",
    ),
    click.option("--jobs", default=4, show_default=True, help="Parallel transfers."),
    click.option("--drafts", is_flag=True, help="Publish drafts too."),
    click.option(
        "--state-dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Locks, status and caches (default: the user state folder).",
    ),
    click.option(
        "--signing-key",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="The publisher's Ed25519 private key (default: signing-key.pem in the state "
        "folder, made on first use).",
    ),
    *SETTINGS_OPTIONS,
]


def _with(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def apply(f: Any) -> Any:
        for opt in reversed(options):
            f = opt(f)
        return f

    return apply


def _settings(
    source: str,
    to: str,
    deploy: Path | None,
    max_delete: str | None,
    keep_releases: int | None,
    user: str | None,
    cache_dir: Path | None,
    jobs: int,
    drafts: bool,
    state_dir: Path | None,
    **more: Any,
) -> RunSettings:
    target = resolve_target(
        to, deploy, max_delete=max_delete, keep_releases=keep_releases, user=user
    )
    return RunSettings(
        source,
        target,
        user=user,
        cache_dir=cache_dir,
        jobs=jobs,
        drafts=drafts,
        state_dir=state_dir or default_state_dir(),
        **{"events": ConsoleEvents(), **more},
    )


def _fail(exc: SitegenError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


@command()
@click.argument("source")
@_with(_common_target)
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--yes", is_flag=True, help="Confirm deletions over the cap.")
@click.option("--overwrite", is_flag=True, help="Replace files edited on the target by hand.")
@click.option(
    "--repair",
    is_flag=True,
    help="Restore the target to the last publish: replace changed files, upload missing ones, "
    "delete files that are not the site's (implies --overwrite).",
)
@click.option("--share", is_flag=True, help="Create or reuse a Nextcloud public link; print it.")
@click.option("--offline", is_flag=True, help="Build from the local mirror of the source.")
@click.option("-v", "--verbose", is_flag=True, help="List every file of the plan.")
def publish(source: str, **kw: Any) -> None:
    """Sync SOURCE, build it, and publish the result to a target (plan, then apply)."""
    try:
        # the plan is a report: stdout
        rs = _settings(source, events=ConsoleEvents(report=click.echo), **kw)
        with run_lock(rs.target, rs.state_dir):
            outcome = run_pipeline(rs)
    except SitegenError as exc:
        _fail(exc)
    click.echo(outcome.message)


__all__ = ["ConsoleEvents", "publish"]
