"""Layer 5: `sitegen publish`, `rollback`, `verify`, `key`, `schedule` and `status`: the options
and the terminal. The run itself (targets, sync, build, plan, apply) is `sitegen.run`'s.
Passwords come from the environment, netrc or the keyring and are never printed.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sitegen.cli.command import command
from sitegen.errors import ConfigError, SitegenError
from sitegen.publish import log as publog
from sitegen.publish.lock import TargetBusy, TargetLock
from sitegen.publish.signing import PublicKey, load_signer
from sitegen.publish.target import Target
from sitegen.publish.webroot import WebRoot
from sitegen.run import (
    RunSettings,
    default_state_dir,
    open_target,
    resolve_target,
    run_lock,
    run_pipeline,
    signing_key_path,
    target_label,
)
from sitegen.schedule import (
    Cron,
    Every,
    Scheduler,
    Trigger,
    describe,
    is_running,
    read_all_status,
    scheduler_lock_path,
    status_path,
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


@command()
@click.argument("target")
@click.option(
    "--deploy",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Local TOML file with [targets.NAME] entries.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Locks, status and caches (default: the user state folder).",
)
def rollback(target: str, deploy: Path | None, state_dir: Path | None) -> None:
    """Switch a web root's `current` back to the release before it."""
    try:
        s = resolve_target(target, deploy, max_delete=None, keep_releases=None, user=None)
        t = open_target(s, cache_dir=None, jobs=1)
        if not isinstance(t, WebRoot):
            raise ConfigError("rollback works on a web root (a local folder target)")
        state = state_dir or default_state_dir()
        with run_lock(s, state):
            release = t.rollback(signer=load_signer(signing_key_path(None, state)))
    except SitegenError as exc:
        _fail(exc)
    click.echo(f"{t.label}: current -> releases/{release.name}")


@command()
@click.argument("target")
@click.option(
    "--deploy",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Local TOML file with [targets.NAME] entries.",
)
@click.option("--user", default=None, help="User name for a remote target.")
@click.option("--jobs", default=4, show_default=True, help="Parallel downloads while re-hashing.")
@click.option("--key", "key_spec", default=None, help="The publisher's public key, or a file.")
@click.option("--file", "file_path", default=None, help="Prove one file: its last publishes.")
def verify(
    target: str,
    deploy: Path | None,
    user: str | None,
    jobs: int,
    key_spec: str | None,
    file_path: str | None,
) -> None:
    """Re-hash what TARGET holds against its latest manifest and check the publish log's chain
    (and, with --key, every record's signature)."""
    try:
        if file_path is not None and key_spec is None:
            raise ConfigError("--file needs --key: a proof is only as good as the key")
        key = PublicKey.parse(key_spec) if key_spec is not None else None
        s = resolve_target(target, deploy, max_delete=None, keep_releases=None, user=user)
        t = open_target(s, cache_dir=None, jobs=jobs)
        if key is not None and file_path is not None:
            _prove(t, key, file_path.strip("/"))
            return
        problems = publog.verify(t, s.keep, key)
    except SitegenError as exc:
        _fail(exc)
    for d in problems:
        click.echo(str(d))
    if problems:
        click.echo(f"verify failed: {len(problems)} problem(s) on {t.label}", err=True)
        sys.exit(1)
    signed = f"; every record is signed by key {key.key_id}" if key is not None else ""
    click.echo(f"{t.label}: every file matches the latest manifest; the log chain holds{signed}")


def _prove(t: Target, key: PublicKey, path: str) -> None:
    from sitegen.publish.proof import LIMIT, prove

    rows = prove(t.history(), key, path)
    if not rows:
        click.echo(f"{t.label}: {path}: not in the publish log", err=True)
        sys.exit(1)
    click.echo(f"{path}: its last {len(rows)} publish(es) of at most {LIMIT}, newest first")
    for row in rows:
        click.echo(f"  {row}")
    if any(row.problem is not None for row in rows):
        click.echo(f"verify failed: {path} is not vouched for by key {key.key_id}", err=True)
        sys.exit(1)


@command()
@click.option(
    "--signing-key",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The private key file (default: signing-key.pem in the state folder).",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Locks, status and caches (default: the user state folder).",
)
def key(signing_key: Path | None, state_dir: Path | None) -> None:
    """Print the publisher's public key (one line) for `sitegen verify --key`; the private key
    is made on first use and never printed."""
    path = signing_key_path(signing_key, state_dir)
    try:
        signer = load_signer(path)
    except SitegenError as exc:
        _fail(exc)
    click.echo(signer.public.text)
    click.echo(f"key id {signer.key_id}; private key in {path}", err=True)


@command()
@click.argument("source")
@_with(_common_target)
@click.option("--every", default=None, help="Interval: 90s, 10m, 2h, 1d.")
@click.option("--cron", default=None, help='Cron expression, such as "0 6 * * *" (local time).')
@click.option("--yes", is_flag=True, help="Confirm deletions over the cap.")
@click.option(
    "--repair",
    is_flag=True,
    help="On every run, restore files changed, missing or added on the target by hand.",
)
def schedule(source: str, every: str | None, cron: str | None, **kw: Any) -> None:
    """Publish SOURCE to a target whenever it changed or a page became due; runs until stopped."""
    try:
        if (every is None) == (cron is None):
            raise ConfigError("give exactly one of --every or --cron")
        trigger: Trigger = Every.parse(every) if every else Cron(str(cron))
        rs = _settings(source, **kw)
        label = target_label(rs.target)
        from sitegen.sources import open_source

        src = open_source(rs.source, user=rs.user, cache_dir=rs.cache_dir, jobs=rs.jobs)
        lock = TargetLock(scheduler_lock_path(rs.state_dir, label), label)
        lock.acquire()  # held for the life of the scheduler: a second one exits here
    except TargetBusy as exc:
        _fail(ConfigError(f"another scheduler (pid {exc.holder}) already publishes to {label}"))
    except SitegenError as exc:
        _fail(exc)
    sched = Scheduler(
        label,
        trigger,
        src.fingerprint,
        lambda stop: run_pipeline(rs, stop),
        status_path(rs.state_dir, label),
        target_lock=run_lock(rs.target, rs.state_dir),  # per run
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sched.request_stop())
    import time

    sched.sleep = time.sleep
    click.echo(f"scheduling {src.label} -> {label}; status in {sched.status_file}", err=True)
    push = _push_listener(src, sched.wake)
    try:
        if push is not None:
            push.start()
        sched.run()
    finally:
        if push is not None:
            push.stop()
        lock.release()
    click.echo("stopped", err=True)


def _push_listener(src: object, wake: Callable[[], None]) -> Any:
    """Nextcloud's notify_push wakes the scheduler when the source changes (a source that
    offers no push returns None: the interval alone then decides)."""
    listen = getattr(src, "push_listener", None)
    if listen is None:
        return None
    try:
        return listen(wake, lambda m: click.echo(m, err=True))
    except SitegenError as exc:  # no push today: the interval still publishes the changes
        click.echo(f"warning: no push notifications: {exc}", err=True)
        return None


@command()
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Locks, status and caches (default: the user state folder).",
)
def status(state_dir: Path | None) -> None:
    """Every scheduled target on this machine: whether its scheduler runs, the last run and
    error, failures in a row, and the next run or retry."""
    folder = state_dir or default_state_dir()
    rows = read_all_status(folder)
    if not rows:
        click.echo("no scheduled publishes have run yet")
    for st in rows:
        click.echo(describe(st, is_running(folder, st)))


__all__ = ["key", "publish", "rollback", "schedule", "status", "verify"]
