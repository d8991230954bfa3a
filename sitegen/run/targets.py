"""The publish targets, chosen by kind from one registry, and how the operator names them.

Targets come from the command line or from a local deploy file named with `--deploy FILE`,
never from the site folder: whoever can edit a shared folder must not be able to redirect a
publish. Adding a target kind (S3, SFTP) is one module with a `Store` (publish/store.py) and one
`TargetKind` line in `TARGET_KINDS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from sitegen.errors import ConfigError
from sitegen.publish.lock import TargetLock, lock_path
from sitegen.publish.manifest import STATE_DIR
from sitegen.publish.netlify import PREFIX as NETLIFY_PREFIX
from sitegen.publish.netlify import NetlifyHook
from sitegen.publish.plan import DEFAULT_KEEP, DeleteCap
from sitegen.publish.target import Target


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


@dataclass(frozen=True)
class OpenOptions:
    cache_dir: Path | None
    jobs: int
    overwrite: bool = False
    repair: bool = False


@dataclass(frozen=True)
class TargetKind:
    """One kind of target: which `--to` values it takes, how it opens, how it is named in
    locks, status and messages. `open` is None for a kind that holds no files (a build hook)."""

    name: str
    matches: Callable[[str], bool]
    label: Callable[[TargetSettings], str]
    open: Callable[[TargetSettings, OpenOptions], Target] | None
    locks_at_target: bool = False  # its run lock lives in the target folder itself


def _open_dav(s: TargetSettings, o: OpenOptions) -> Target:
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
        max_connections=o.jobs + 2,
    )
    return DavTarget(
        client,
        label=loc.label,
        nextcloud=loc.kind == "nextcloud",
        cache_dir=o.cache_dir,
        workers=o.jobs,
        overwrite_conflicts=o.overwrite,
        repair=o.repair,
        keep=s.keep,
    )


def _is_dav(to: str) -> bool:
    from sitegen.sources.url import dav_kind

    return dav_kind(to) is not None


def _open_webroot(s: TargetSettings, o: OpenOptions) -> Target:
    from sitegen.publish.webroot import WebRoot

    return WebRoot(Path(s.to).expanduser(), mode=s.mode, keep_releases=s.keep_releases, keep=s.keep)


# First match wins; the web root takes whatever no other kind claims.
TARGET_KINDS: tuple[TargetKind, ...] = (
    TargetKind(
        "netlify-hook",
        lambda to: to.startswith(NETLIFY_PREFIX),
        lambda s: NetlifyHook.parse(s.to).url,  # the lock and status are keyed by the full hook
        None,
    ),
    TargetKind("webdav", _is_dav, lambda s: s.to, _open_dav),
    TargetKind(
        "web root",
        lambda to: True,
        lambda s: str(Path(s.to).expanduser().resolve()),
        _open_webroot,
        locks_at_target=True,
    ),
)


def kind_of(s: TargetSettings) -> TargetKind:
    return next(k for k in TARGET_KINDS if k.matches(s.to))


def open_target(
    s: TargetSettings,
    *,
    cache_dir: Path | None,
    jobs: int,
    overwrite: bool = False,
    repair: bool = False,
) -> Target:
    kind = kind_of(s)
    if kind.open is None:
        raise ConfigError(f"a {kind.name} target has nothing to open")
    return kind.open(s, OpenOptions(cache_dir, jobs, overwrite, repair))


def target_label(s: TargetSettings) -> str:
    return kind_of(s).label(s)


def run_lock(s: TargetSettings, state_dir: Path) -> TargetLock:
    """The lock one publish holds while it runs. A web root keeps it at the target
    (`ROOT/.sitegen/publish.lock`), so two schedulers with different state folders, or machines
    sharing the folder, never publish at once; a remote target's own lease does that there, and
    this lock in the state folder only keeps two runs on this machine apart early."""
    label = target_label(s)
    root = Path(s.to).expanduser()
    if not kind_of(s).locks_at_target or not root.is_dir():
        # (a web root not made yet: nothing to lock there, and a dry run must not make it)
        return TargetLock(lock_path(state_dir, label), label)
    return TargetLock(root / STATE_DIR / "publish.lock", label)
