"""Layer 4: a web server's document root on this machine.

`release` mode (the default) builds each publish into `releases/<timestamp>/`, appends its record
to the log, then switches the `current` symlink with one rename, so every request sees either the
old site or the new one. Unchanged files are hard-linked from the previous release after a check
of their bytes (an edited file is never shared into a new release); each release also keeps the
fingerprinted assets of the releases still kept. Every step can be cut short and is completed or
redone by the next run. `sync` mode, for hosts without symlinks, updates the root in place: new
files, changed files (each written under `.sitegen/tmp/` and renamed over the old one), the
manifest, then deletes.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from sitegen.compiler.moved import OutputHistory
from sitegen.errors import Diagnostic, PublishError
from sitegen.publish import log, pagehistory
from sitegen.publish.manifest import (
    LOG_PATH,
    MANIFEST_PATH,
    Entry,
    entries_to_doc,
    manifest_of_tree,
    walk_files,
)
from sitegen.publish.pagehistory import PageHistory
from sitegen.publish.plan import DEFAULT_KEEP, Plan, apply_to_manifest, is_kept
from sitegen.publish.record import Record, RecordSigner, line_sha256
from sitegen.publish.target import (
    History,
    LogEntry,
    Progress,
    TargetState,
    decode_manifest,
    encode_manifest,
)
from sitegen.publish.webroot_files import (
    append_line,
    complete_lines,
    copy_into,
    count_lines,
    is_intact,
    last_line,
    link_checked,
    tmp_dir,
    write_atomic,
)
from sitegen.publish.webroot_releases import (
    CARRIED,
    CURRENT,
    RELEASES,
    TMP_PREFIX,
    carry_assets,
    list_releases,
    read_release,
    release_name,
    repair,
)
from sitegen.publish.webroot_sync import Step, apply_sync


def _no_step(name: str) -> None:
    pass


class WebRoot:
    checks_nextcloud_names = False

    def __init__(
        self,
        root: Path,
        *,
        mode: str = "release",
        keep_releases: int = 5,
        keep: tuple[str, ...] = DEFAULT_KEEP,
        step: Step = _no_step,
    ) -> None:
        if mode not in ("release", "sync"):
            raise PublishError(f"web root mode must be 'release' or 'sync', not {mode!r}")
        if keep_releases < 1:
            raise PublishError("--keep must be at least 1")
        self.root = root
        self.mode = mode
        self.keep_releases = keep_releases
        self.keep = keep
        self.step = step

    @property
    def label(self) -> str:
        return str(self.root.resolve())

    # -- what is held -------------------------------------------------------------------------

    def live_dir(self) -> Path | None:
        """The folder being served: `current`'s release, or the root itself in sync mode."""
        if self.mode == "sync":
            return self.root
        link = self.root / CURRENT
        if not link.is_symlink():
            if link.exists():
                raise PublishError(
                    f'{link} exists but is not a symlink; use mode = "sync" or move it away'
                )
            return None
        return link.resolve()

    def _live_manifest(self) -> tuple[dict[str, Entry], dict[str, Entry], dict[str, Entry]]:
        """(published files, deletes not yet done, carried assets) of the live folder."""
        live = self.live_dir()
        path = None if live is None else live / MANIFEST_PATH
        if path is None or not path.is_file():
            return {}, {}, {}
        files, pending, extra = decode_manifest(path.read_bytes(), str(path))
        return files, pending, read_release(path.parents[1]).carried if CARRIED in extra else {}

    def read_state(self) -> TargetState:
        """The live manifest and the log's last record (read from the end of the file: a web
        root appends, so a publish costs the same however long its history)."""
        files, pending, _ = self._live_manifest()
        last = last_line(self.root / LOG_PATH)
        if last is None:
            return TargetState({**pending, **files}, files)
        manifest_sha, seq = None, None
        try:
            rec = Record.from_line(last)
            manifest_sha = rec.manifest_sha256
            seq = rec.seq + 1 if rec.seq is not None else None
        except (ValueError, KeyError, TypeError, IndexError):
            pass  # an unreadable last record: the next one still chains to its bytes
        if seq is None:  # records from before numbering count by position
            seq = count_lines(self.root / LOG_PATH) + 1
        return TargetState({**pending, **files}, files, line_sha256(last), manifest_sha, seq)

    def history(self) -> History:
        log_file = self.root / LOG_PATH
        data = log_file.read_bytes() if log_file.is_file() else b""
        entries = [LogEntry(LOG_PATH, n, ln) for n, ln in enumerate(complete_lines(data), 1)]
        files, _, carried = self._live_manifest()
        live = self.live_dir()
        problems = [
            Diagnostic(p, None, "changed or missing: an earlier release's asset kept for old pages")
            for p, e in sorted(carried.items())
            if live is not None and not is_intact(live / p, e)
        ]
        return History(entries, files, MANIFEST_PATH, problems=problems)

    def held_files(self) -> dict[str, Entry]:
        """What the live folder holds, less the carried assets (`history` checks those)."""
        live = self.live_dir()
        if live is None:
            return {}
        carried = self._live_manifest()[2]
        return {p: e for p, e in manifest_of_tree(live).items() if p not in carried}

    def read_page_history(self) -> PageHistory:
        return pagehistory.read_from_folder(self.root)

    def write_page_history(self, history: OutputHistory) -> None:
        pagehistory.write_to_folder(self.root, history)

    def releases(self) -> list[Path]:
        return list_releases(self.root)

    # -- release mode -------------------------------------------------------------------------

    def apply(
        self, plan: Plan, out_dir: Path, record: Record | None, progress: Progress | None
    ) -> None:
        if self.mode == "sync":
            apply_sync(self.root, plan, out_dir, record, progress, self.step)
            return
        result = apply_to_manifest(plan, plan.target)
        live = self.live_dir()
        if record is None:  # the record is written: switch to its release, building it if cut
            ready = self._release_holding(result, live)
            if ready is not None:
                self._switch(ready)
                self._prune()
                return
        elif live is not None and read_release(live).files == result:
            # The site is live already (a rollback was cut before its switch): log it only.
            self._append(record)
            self._prune()
            return
        staging = self._stage(result, plan, out_dir, live, progress)
        self._append(record)
        final = self.root / RELEASES / staging.name.removeprefix(TMP_PREFIX)
        self.step("release")
        os.replace(staging, final)
        self._switch(final)
        self._prune()

    def _stage(
        self,
        result: dict[str, Entry],
        plan: Plan,
        out_dir: Path,
        previous: Path | None,
        progress: Progress | None,
    ) -> Path:
        """A complete release in a folder nobody serves: the new and changed files from the
        build, unchanged ones linked from the live release if intact, the files the site does
        not own, the fingerprinted assets of the releases kept, and the manifest last."""
        for old in (self.root / RELEASES).glob(f"{TMP_PREFIX}*"):  # left by a cut publish
            shutil.rmtree(old, ignore_errors=True)
        staging = self.root / RELEASES / f"{TMP_PREFIX}{release_name(self.root / RELEASES)}"
        staging.mkdir(parents=True)
        uploads = set(plan.uploads())
        for path in sorted(result):
            self.step(f"write {path}")
            shared = (
                path not in uploads
                and previous is not None
                and link_checked(previous / path, staging / path, result[path])
            )
            if not shared:
                copy_into(out_dir / path, staging / path)
                if progress:
                    progress(path, result[path].size)
        if previous is not None:  # files the site does not own, placed there by hand
            for path in walk_files(previous):
                if path not in result and is_kept(path, self.keep):
                    copy_into(previous / path, staging / path)
        kept = self.releases()[-(self.keep_releases - 1) :] if self.keep_releases > 1 else []
        sources = sorted({*kept, *([previous] if previous else [])}, reverse=True)
        carried = carry_assets(staging, result, sources)
        self.step("manifest")
        extra: dict[str, object] | None = {CARRIED: entries_to_doc(carried)} if carried else None
        write_atomic(staging / MANIFEST_PATH, encode_manifest(result, extra=extra))
        return staging

    def _release_holding(self, result: dict[str, Entry], live: Path | None) -> Path | None:
        """The newest release holding exactly `result`, intact (a publish cut after its
        record left it, or it is an older release with the same files)."""
        for release in reversed(self.releases()):
            held = release != live and read_release(release).files == result
            if held and all(is_intact(release / p, e) for p, e in result.items()):
                return release
        return None

    def _append(self, record: Record | None) -> None:
        if record is not None:
            self.step("record")
            append_line(self.root / LOG_PATH, record.to_line())

    def _switch(self, release: Path) -> None:
        """Point `current` at `release` with one rename: readers never see a missing site."""
        self.step("switch")
        tmp = self.root / f".{CURRENT}.{os.getpid()}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(release, self.root), tmp)
        os.replace(tmp, self.root / CURRENT)

    def _prune(self) -> None:
        live = self.live_dir()
        releases = self.releases()
        for old in releases[: max(0, len(releases) - self.keep_releases)]:
            if old != live:
                self.step(f"prune {old.name}")
                shutil.rmtree(old, ignore_errors=True)
        for p in self.root.glob(f".{CURRENT}.*.tmp"):  # a switch cut short
            p.unlink(missing_ok=True)

    def rollback(self, now: datetime | None = None, signer: RecordSigner | None = None) -> Path:
        """Switch `current` back to the release before it (by name, among the releases
        present), repairing any of its files edited since from an intact copy in another
        release, and log that as a publish. The release is found from `current` and the
        releases present, so a rollback cut short and run again goes to the same one."""
        if self.mode == "sync":
            raise PublishError("rollback needs release mode: a sync-mode root keeps no releases")
        live = self.live_dir()
        state = self.read_state()
        earlier = [r for r in self.releases() if live is None or r.name < live.name]
        if not earlier:
            raise PublishError(f"no earlier release to roll back to in {self.root / RELEASES}")
        release = earlier[-1]
        files = read_release(release).files
        others = [r for r in reversed(self.releases()) if r != release]
        lost = repair(release, files, others, tmp_dir(self.root))
        if lost:
            raise PublishError(
                "; ".join(f"{release / p}: changed since it was published" for p in lost)
                + " (no release holds an intact copy; publish again to replace it)"
            )
        if live is not None:  # pages fetched just before the switch keep their assets
            carried = read_release(release).carried
            carried.update(carry_assets(release, {**files, **carried}, [live]))
            doc = encode_manifest(files, extra={CARRIED: entries_to_doc(carried)})
            write_atomic(release / MANIFEST_PATH, doc)
        record = log.next_record(
            state.last_record_sha,
            state.next_seq,
            now or datetime.now(timezone.utc),
            f"rollback:{release.name}",
            files,
            signer=signer,
        )
        self._append(record)
        self._switch(release)
        return release
