"""Layer 5: `sitegen publish`, `rollback`, `verify`, `schedule` and `status`.

Targets come from the command line or from a local deploy file named with `--deploy FILE`,
never from the site folder: whoever can edit a shared folder must not be able to redirect a
publish. Passwords come from the environment, netrc or the keyring and are never printed.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from sitegen.config import Overrides, parse_overrides
from sitegen.errors import ConfigError, SitegenError
from sitegen.publish import log as publog
from sitegen.publish.lock import TargetBusy, TargetLock, lock_path
from sitegen.publish.manifest import STATE_DIR
from sitegen.publish.netlify import PREFIX as NETLIFY_PREFIX
from sitegen.publish.netlify import NetlifyHook, rebuild_if_changed, record_path
from sitegen.publish.plan import DEFAULT_KEEP, DeleteCap
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.signing import PublicKey, default_key_path, load_signer
from sitegen.publish.target import Target
from sitegen.publish.webroot import WebRoot
from sitegen.schedule import (
    Abandoned,
    Cron,
    Every,
    RunOutcome,
    Scheduler,
    StopRequested,
    Trigger,
    describe,
    is_running,
    read_all_status,
    scheduler_lock_path,
    status_path,
)

from .overrides import SETTINGS_OPTIONS

_REMOTE_PREFIXES = (
    "nextcloud://",
    "nextcloud+http://",
    "nextcloud+https://",
    "webdav+http://",
    "webdav+https://",
)


def signing_key_path(given: Path | None, state_dir: Path | None) -> Path:
    return given or default_key_path(state_dir or default_state_dir())


def default_state_dir() -> Path:
    env = os.environ.get("SITEGEN_STATE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_state_dir("sitegen"))


# -- targets -----------------------------------------------------------------------------------


@dataclass
class TargetSettings:
    """One target as the operator described it (--to and options, or a deploy-file entry)."""

    to: str
    mode: str = "release"
    keep_releases: int = 5
    keep: tuple[str, ...] = DEFAULT_KEEP
    max_delete: DeleteCap = field(default_factory=DeleteCap)
    user: str | None = None


def load_deploy_file(path: Path) -> dict[str, dict[str, Any]]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the deploy file: {exc}") from None
    targets = doc.get("targets", {})
    if not isinstance(targets, dict):
        raise ConfigError(f"{path}: [targets.NAME] tables expected")
    return {str(k): dict(v) for k, v in targets.items() if isinstance(v, dict)}


def resolve_target(
    spec: str,
    deploy: Path | None,
    *,
    max_delete: str | None,
    keep_releases: int | None,
    user: str | None,
) -> TargetSettings:
    entry: dict[str, Any] = {}
    looks_like_path = "/" in spec or spec.startswith(".") or ":" in spec
    if deploy is not None and not looks_like_path:
        targets = load_deploy_file(deploy)
        if spec not in targets:
            raise ConfigError(
                f"{deploy}: no target named {spec!r} "
                f"(known: {', '.join(sorted(targets)) or 'none'})"
            )
        entry = targets[spec]
        if "to" not in entry:
            raise ConfigError(f'{deploy}: [targets.{spec}] needs `to = "..."`')
    elif not looks_like_path and deploy is None and not Path(spec).exists():
        raise ConfigError(
            f"--to {spec}: a named target needs --deploy FILE "
            "(or write ./{spec} for a local folder)"
        )
    s = TargetSettings(str(entry.get("to", spec)))
    s.mode = str(entry.get("mode", s.mode))
    s.keep_releases = int(keep_releases or entry.get("keep_releases", s.keep_releases))
    s.keep = (*DEFAULT_KEEP, *(str(k) for k in entry.get("keep", ())))
    cap = max_delete or entry.get("max_delete")
    s.max_delete = DeleteCap.parse(str(cap)) if cap is not None else DeleteCap()
    s.user = user or entry.get("user")
    return s


def open_target(
    s: TargetSettings,
    *,
    cache_dir: Path | None,
    jobs: int,
    overwrite: bool = False,
    repair: bool = False,
) -> Target:
    if s.to.startswith(NETLIFY_PREFIX):
        raise ConfigError("a netlify-hook target has nothing to open")
    if s.to.startswith(_REMOTE_PREFIXES):
        from sitegen.publish.davtarget import DavTarget
        from sitegen.sources.auth import find_credentials
        from sitegen.sources.url import RemoteLocation, parse_location
        from sitegen.webdav import Client

        loc = parse_location(s.to, user=s.user)
        assert isinstance(loc, RemoteLocation)
        creds = find_credentials(loc.origin, loc.user)
        client = Client(
            loc.root_url,
            username=creds.user or loc.user,
            password=creds.password,
            server_name="Nextcloud" if loc.kind == "nextcloud" else "The WebDAV server",
            max_connections=jobs + 2,
        )
        return DavTarget(
            client,
            label=loc.label,
            nextcloud=loc.kind == "nextcloud",
            cache_dir=cache_dir,
            workers=jobs,
            overwrite_conflicts=overwrite,
            repair=repair,
            keep=s.keep,
        )
    return WebRoot(Path(s.to).expanduser(), mode=s.mode, keep_releases=s.keep_releases, keep=s.keep)


def target_label(s: TargetSettings) -> str:
    if s.to.startswith(NETLIFY_PREFIX):
        return NetlifyHook.parse(s.to).url  # the lock and status are keyed by the full hook
    if s.to.startswith(_REMOTE_PREFIXES):
        return s.to
    return str(Path(s.to).expanduser().resolve())


def run_lock(s: TargetSettings, state_dir: Path) -> TargetLock:
    """The lock one publish holds while it runs. A web root keeps it at the target
    (`ROOT/.sitegen/publish.lock`), so two schedulers with different state folders, or machines
    sharing the folder, never publish at once; a remote target's own lease does that there, and
    this lock in the state folder only keeps two runs on this machine apart early."""
    label = target_label(s)
    root = Path(s.to).expanduser()
    if s.to.startswith((NETLIFY_PREFIX, *_REMOTE_PREFIXES)) or not root.is_dir():
        # (a web root not made yet: nothing to lock there, and a dry run must not make it)
        return TargetLock(lock_path(state_dir, label), label)
    return TargetLock(root / STATE_DIR / "publish.lock", label)


# -- one run of the pipeline ---------------------------------------------------------------------


@dataclass
class RunSettings:
    source: str
    target: TargetSettings
    user: str | None = None
    cache_dir: Path | None = None
    offline: bool = False
    jobs: int = 4
    drafts: bool = False
    dry_run: bool = False
    yes: bool = False
    overwrite: bool = False
    repair: bool = False
    share: bool = False
    verbose: bool = False
    state_dir: Path = field(default_factory=default_state_dir)
    signing_key: Path | None = None
    echo: Callable[[str], None] = field(default=lambda m: click.echo(m, err=True))
    base_url: str | None = None  # --base-url, --set: over the site's sitegen.toml
    settings: tuple[str, ...] = ()
    overrides: Overrides = field(init=False)

    def __post_init__(self) -> None:
        self.overrides = parse_overrides(self.base_url, self.settings)  # before any sync


def run_pipeline(rs: RunSettings, stop: StopRequested = lambda: False) -> RunOutcome:
    """Sync, build into a temp folder, plan and apply; the published site is untouched on error."""
    from sitegen.sources import open_source

    source = open_source(
        rs.source, user=rs.user, cache_dir=rs.cache_dir, jobs=rs.jobs, offline=rs.offline
    )
    if rs.target.to.startswith(NETLIFY_PREFIX):  # Netlify builds it: fire only on a change
        hook = NetlifyHook.parse(rs.target.to)
        if not rs.offline:
            source.sync()
        message, due = rebuild_if_changed(
            hook,
            Path(source.local_dir),
            record_path(rs.state_dir, hook),
            title=f"sitegen: {source.label} changed",
            dry_run=rs.dry_run,
        )
        return RunOutcome(message, due)
    signer = None if rs.dry_run else load_signer(signing_key_path(rs.signing_key, rs.state_dir))
    fingerprint = None
    if not rs.offline:
        # Sync straight away (no separate fingerprint request): the root ETag the sync listed
        # is in the mirror's index, read without asking the server again.
        synced = source.sync()
        fingerprint = open_source(
            rs.source, user=rs.user, cache_dir=rs.cache_dir, offline=True
        ).fingerprint()
        if rs.verbose:
            rs.echo(f"synced {source.label}: {len(synced.changes)} changed")
    if stop():
        raise Abandoned
    from sitegen.build.pipeline import BuildOptions, build_site

    with tempfile.TemporaryDirectory(prefix="sitegen-publish-") as tmp:
        out = Path(tmp) / "out"
        built = build_site(
            Path(source.local_dir), out, BuildOptions(drafts=rs.drafts, overrides=rs.overrides)
        )
        if stop():
            raise Abandoned
        target = open_target(
            rs.target,
            cache_dir=rs.state_dir / "cache",
            jobs=rs.jobs,
            overwrite=rs.overwrite,
            repair=rs.repair,
        )
        options = PublishOptions(
            dry_run=rs.dry_run,
            max_delete=rs.target.max_delete,
            confirmed=rs.yes,
            keep=rs.target.keep,
            source_fingerprint=fingerprint,
            signer=signer,
        )
        outcome = publish_tree(out, target, options, _progress(rs))
    plan = outcome.plan
    for d in outcome.drift:
        click.echo(f"warning: {d}", err=True)
    rs.echo(plan.summary())
    if rs.verbose or rs.dry_run:
        details = plan.details()
        if details:
            rs.echo(details)
    if rs.dry_run:
        message = "dry run: nothing was written"
    elif outcome.applied:
        message = f"published to {target.label}"
    else:
        message = f"{target.label} is up to date"
    if rs.share and not rs.dry_run:
        message += f"\npublic link: {_share(rs.target, rs.jobs)}"
    return RunOutcome(message, getattr(built, "next_due", None))


def _progress(rs: RunSettings) -> Callable[[str, int], None] | None:
    if not sys.stderr.isatty():
        return None
    done = [0, 0]

    def show(path: str, size: int) -> None:
        done[0] += 1
        done[1] += size
        click.echo(f"\r  uploaded {done[0]} files, {done[1] // 1024} KB", nl=False, err=True)

    return show


def _share(s: TargetSettings, jobs: int) -> str:
    if not s.to.startswith(("nextcloud://", "nextcloud+http://", "nextcloud+https://")):
        raise ConfigError("--share needs a nextcloud:// target")
    import httpx

    from sitegen.publish.davtarget import public_link
    from sitegen.sources.auth import find_credentials
    from sitegen.sources.url import RemoteLocation, parse_location

    loc = parse_location(s.to, user=s.user)
    assert isinstance(loc, RemoteLocation)
    creds = find_credentials(loc.origin, loc.user)
    auth = httpx.BasicAuth(creds.user or loc.user or "", creds.password or "")
    with httpx.Client(auth=auth, timeout=30.0) as http:
        return public_link(http, loc.server_url, "/".join(loc.folder))


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
        **more,
    )


def _fail(exc: SitegenError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


@click.command()
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
        rs = _settings(source, echo=click.echo, **kw)  # the plan is a report: stdout
        with run_lock(rs.target, rs.state_dir):
            outcome = run_pipeline(rs)
    except SitegenError as exc:
        _fail(exc)
    click.echo(outcome.message)


@click.command()
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


@click.command()
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


@click.command()
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


@click.command()
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
    try:
        sched.run()
    finally:
        lock.release()
    click.echo("stopped", err=True)


@click.command()
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


__all__ = ["key", "publish", "rollback", "run_pipeline", "schedule", "status", "verify"]
