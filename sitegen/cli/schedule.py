"""Layer 5: `sitegen schedule` (publish whenever the source changed or a page became due) and
`sitegen status` (every scheduled target on this machine)."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sitegen.cli.command import command
from sitegen.errors import ConfigError, SitegenError
from sitegen.publish.lock import TargetBusy, TargetLock
from sitegen.run import (
    default_state_dir,
    run_lock,
    run_pipeline,
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

from .publish import _common_target, _fail, _settings, _with


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


__all__ = ["schedule", "status"]
