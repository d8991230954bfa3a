"""One run: sync the source, build it into a temporary folder, plan against the target, apply.

Every check runs before the first write to the target; on any error the published site stays
as it was. `stop()` is asked between steps, so a scheduler asked to stop abandons a run at a
step boundary (`Abandoned`), never in the middle of one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.config import Overrides, parse_overrides
from sitegen.errors import ConfigError
from sitegen.publish.netlify import NetlifyHook, rebuild_if_changed, record_path
from sitegen.publish.pagehistory import PageHistory, merge
from sitegen.publish.runner import PublishOptions, PublishOutcome, publish_tree
from sitegen.publish.signing import load_signer
from sitegen.run.events import Events, QuietEvents
from sitegen.run.state import default_state_dir, signing_key_path
from sitegen.run.targets import TargetSettings, kind_of, open_target
from sitegen.schedule import Abandoned, RunOutcome, StopRequested

if TYPE_CHECKING:
    from sitegen.sources import Source


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
    events: Events = field(default_factory=QuietEvents)
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
    if kind_of(rs.target).open is None:  # a build hook: Netlify builds it, fire only on a change
        return _fire_hook(rs, source)
    signer = None if rs.dry_run else load_signer(signing_key_path(rs.signing_key, rs.state_dir))
    fingerprint = None if rs.offline else _sync(rs, source)
    if stop():
        raise Abandoned
    from sitegen.compiler.pipeline import BuildOptions, build_site

    target = open_target(
        rs.target,
        cache_dir=rs.state_dir / "cache",
        jobs=rs.jobs,
        overwrite=rs.overwrite,
        repair=rs.repair,
    )
    history = target.read_page_history()  # before the build: it writes the moved pages' redirects
    with tempfile.TemporaryDirectory(prefix="sitegen-publish-") as tmp:
        out = Path(tmp) / "out"
        built = build_site(
            Path(source.local_dir),
            out,
            BuildOptions(drafts=rs.drafts, overrides=rs.overrides, history=history or None),
        )
        if stop():
            raise Abandoned
        options = PublishOptions(
            dry_run=rs.dry_run,
            max_delete=rs.target.max_delete,
            confirmed=rs.yes,
            keep=rs.target.keep,
            source_fingerprint=fingerprint,
            signer=signer,
            page_history=_next_history(history, built.page_outputs),
        )
        outcome = publish_tree(out, target, options, rs.events.uploaded)
    _report(rs, outcome)
    if rs.dry_run:
        message = "dry run: nothing was written"
    elif outcome.applied:
        message = f"published to {target.label}"
    else:
        message = f"{target.label} is up to date"
    if rs.share and not rs.dry_run:
        message += f"\npublic link: {share_link(rs.target)}"
    return RunOutcome(message, getattr(built, "next_due", None))


def _next_history(history: PageHistory, pages: dict[str, str] | None) -> PageHistory | None:
    """The page history to write after this publish; None when it stays as it is. A build that
    saw no file IDs (a local folder) leaves it alone rather than forget every page."""
    if not pages:
        return None
    merged = merge(history, pages)
    return None if merged == history else merged


def _fire_hook(rs: RunSettings, source: Source) -> RunOutcome:
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


def _sync(rs: RunSettings, source: Source) -> str | None:
    """Sync straight away (no separate fingerprint request): the root ETag the sync listed is in
    the mirror's index, read without asking the server again."""
    from sitegen.sources import open_source

    synced = source.sync()
    fingerprint = open_source(
        rs.source, user=rs.user, cache_dir=rs.cache_dir, offline=True
    ).fingerprint()
    if rs.verbose:
        rs.events.report(f"synced {source.label}: {len(synced.changes)} changed")
    return fingerprint


def _report(rs: RunSettings, outcome: PublishOutcome) -> None:
    plan = outcome.plan
    for d in outcome.drift:
        rs.events.warning(f"warning: {d}")
    rs.events.report(plan.summary())
    if rs.verbose or rs.dry_run:
        details = plan.details()
        if details:
            rs.events.report(details)


def share_link(s: TargetSettings) -> str:
    """A Nextcloud public link to the target folder (made once, then reused)."""
    import httpx

    from sitegen.publish.share import public_link
    from sitegen.sources.auth import find_credentials
    from sitegen.sources.url import RemoteLocation, dav_kind, parse_location

    if dav_kind(s.to) != "nextcloud":
        raise ConfigError("--share needs a nextcloud:// target")

    loc = parse_location(s.to, user=s.user)
    assert isinstance(loc, RemoteLocation)
    creds = find_credentials(loc.origin, loc.user)
    auth = httpx.BasicAuth(creds.user or loc.user or "", creds.password or "")
    with httpx.Client(auth=auth, timeout=30.0) as http:
        return public_link(http, loc.server_url, "/".join(loc.folder))
