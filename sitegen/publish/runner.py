"""Plan, then apply: one publish of a built tree onto one target, whatever the backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sitegen.compiler.moved import OutputHistory
from sitegen.errors import Diagnostic
from sitegen.publish import log
from sitegen.publish.manifest import make_delta, manifest_of_tree, manifest_sha256
from sitegen.publish.plan import (
    DEFAULT_KEEP,
    DeleteCap,
    Plan,
    apply_to_manifest,
    check_delete_cap,
    check_names,
    make_plan,
)
from sitegen.publish.record import RecordSigner
from sitegen.publish.target import Progress, Target, TargetState


@dataclass(frozen=True)
class PublishOptions:
    dry_run: bool = False
    max_delete: DeleteCap = field(default_factory=DeleteCap)
    confirmed: bool = False  # --yes
    keep: Sequence[str] = DEFAULT_KEEP
    source_fingerprint: str | None = None
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    signer: RecordSigner | None = None  # the publisher's key: every record is signed with it
    # The target's page history to write once the site is published (publish/pagehistory.py);
    # None: leave it as it is.
    page_history: OutputHistory | None = None


@dataclass(frozen=True)
class PublishOutcome:
    plan: Plan
    applied: bool
    record: log.Record | None = None
    drift: tuple[Diagnostic, ...] = ()  # what differed from the last manifest before this run


def publish_tree(
    out_dir: Path, target: Target, options: PublishOptions, progress: Progress | None = None
) -> PublishOutcome:
    """Publish `out_dir`; every check runs before the first write, so a refusal changes nothing."""
    source = manifest_of_tree(out_dir)
    state = target.read_state()
    plan = make_plan(source, state.manifest, options.keep)
    if target.checks_nextcloud_names:
        check_names(plan)
    check_delete_cap(plan, options.max_delete, options.confirmed)
    if options.dry_run:
        return PublishOutcome(plan, applied=False, drift=state.drift)
    # Before the pages: a run cut in between then still knows every place a page held (a place
    # named before its page arrives only earns a redirect that the next build recomputes).
    if options.page_history is not None:
        target.write_page_history(options.page_history)
    return _publish(out_dir, target, options, progress, state, plan)


def _publish(
    out_dir: Path,
    target: Target,
    options: PublishOptions,
    progress: Progress | None,
    state: TargetState,
    plan: Plan,
) -> PublishOutcome:
    result = apply_to_manifest(plan, state.manifest)
    if state.last_manifest_sha == manifest_sha256(result):
        if plan.empty:  # nothing to change and the log already names this manifest
            return PublishOutcome(plan, applied=False, drift=state.drift)
        # Completing an interrupted publish whose record was already written: no second record.
        target.apply(plan, out_dir, None, progress)
        return PublishOutcome(plan, applied=True, drift=state.drift)
    # The delta lets `verify --file` tell which publish changed a file, on every target; the
    # first record has none: its manifest is the whole site (a WebDAV target's base).
    removed = {p: state.manifest[p] for p in plan.deleted}
    first = state.last_record_sha is None
    delta = None if first else make_delta(state.published, result, removed)
    record = log.next_record(
        state.last_record_sha,
        state.next_seq,
        options.now(),
        options.source_fingerprint,
        result,
        delta,
        options.signer,
    )
    target.apply(plan, out_dir, record, progress)
    return PublishOutcome(plan, applied=True, record=record, drift=state.drift)
