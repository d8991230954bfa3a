"""Layer 4: a publish target over any `Store` (Nextcloud, WebDAV, or the in-memory twin).

A publish lists the whole target once (one PROPFIND Depth infinity on WebDAV), reads the
ledger, and compares what the target really holds with the last manifest (`drift`): files
changed, missing or added by hand are reported, and restored with `repair`. Leftovers of a
killed publish (files its lease's intent named, temporary upload names) are recognised as ours
and finished or removed without asking.

A publish that changes anything takes the target's lease (with its intent), makes the folders
it needs (the target folder and its parents included; where the store can, a new folder with
no new folder below it is made by the upload of its first file: publish/folders.py), sends new
and changed files in the plan's order (assets, then pages in link order), writes its record,
deletes, compacts when due, and releases the lease. A no-change publish sends the one listing
and nothing else.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from sitegen.compiler.moved import OutputHistory
from sitegen.errors import PublishError
from sitegen.publish import pagehistory
from sitegen.publish.drift import reconcile
from sitegen.publish.folders import FolderMaker, choose_openers, folders_of
from sitegen.publish.history import read_history
from sitegen.publish.lease import LEASE_PATH, Lease
from sitegen.publish.ledger import Known, Ledger, layout_of, set_etag
from sitegen.publish.links import new_page_batches
from sitegen.publish.manifest import MANIFEST_PATH, STATE_DIR, Entry, hash_file, make_delta
from sitegen.publish.newfiles import NewFiles
from sitegen.publish.pagehistory import PageHistory
from sitegen.publish.plan import DEFAULT_KEEP, Plan, apply_to_manifest
from sitegen.publish.record import Record
from sitegen.publish.statecache import StateCache
from sitegen.publish.store import Store, StoreConflict
from sitegen.publish.target import History, Progress, TargetState
from sitegen.webdav import WebDAVError


class StoreTarget:
    def __init__(
        self,
        store: Store,
        *,
        nextcloud: bool = False,
        cache_dir: Path | None = None,
        workers: int = 4,
        overwrite_conflicts: bool = False,
        repair: bool = False,
        keep: tuple[str, ...] = DEFAULT_KEEP,
        lease: Lease | None = None,
        **ledger_options: Any,
    ) -> None:
        self.store = store
        self.nextcloud = nextcloud
        self.workers = max(1, workers)
        self.overwrite_conflicts = overwrite_conflicts or repair
        self.repair = repair
        self.keep = keep
        self.ledger = Ledger(store, StateCache(cache_dir, store.label), **ledger_options)
        self.lease = lease or Lease(store)
        self._known: Known | None = None
        self._lock = threading.Lock()
        self._folders = FolderMaker(store, None, self.workers)  # holds the listing
        self._openers: dict[str, str] = {}  # new file -> the folder its upload makes
        self._new: NewFiles  # set by each publish: sends new files the cheaper ways

    @property
    def label(self) -> str:
        return self.store.label

    @property
    def checks_nextcloud_names(self) -> bool:
        return self.nextcloud

    # -- reading -------------------------------------------------------------------------------

    def read_state(self) -> TargetState:
        listing = self.store.list_all()
        self._folders.listing = listing
        layout = layout_of(listing or {}, STATE_DIR)
        lease_stat = layout.files.get(LEASE_PATH)
        data = self.store.read(LEASE_PATH) if lease_stat is not None else None
        self.lease.check(lease_stat.etag if lease_stat else None, data)
        known = self.ledger.read(layout)
        self._known = known
        state = reconcile(
            listing or {},
            known,
            self.lease.inherited_intent,
            keep=self.keep,
            repair=self.repair,
            sha_of=self._sha_of,
        )
        known.state = state
        return state

    def _sha_of(self, path: str) -> str:
        return hashlib.sha256(self.store.read(path)).hexdigest()

    # -- writing -------------------------------------------------------------------------------

    def apply(
        self, plan: Plan, out_dir: Path, record: Record | None, progress: Progress | None
    ) -> None:
        try:
            self._apply(plan, out_dir, record, progress)
        except (WebDAVError, StoreConflict) as e:
            self.lease.abandon()
            raise PublishError(
                f"publish to {self.label} interrupted: {e}\nwhat is online is "
                "consistent (assets before pages); the next publish completes it"
            ) from e
        except BaseException:
            self.lease.abandon()  # expired at once, its intent kept for the next run
            raise

    def _apply(
        self, plan: Plan, out_dir: Path, record: Record | None, progress: Progress | None
    ) -> None:
        if self._known is None:
            self.read_state()
        known = self._known
        assert known is not None
        self._make_folders([STATE_DIR])  # the target folder and its parents too, if missing
        self.lease.take({p: plan.source[p].sha256 for p in plan.uploads()})
        batches = new_page_batches(plan, out_dir)
        self._new = NewFiles(self.store, out_dir, known.etags, self._lock, progress)
        self._openers = self._choose_openers(batches, set(plan.changed))
        self._make_folders(folders_of(plan.uploads()) - set(self._openers.values()))
        for batch in batches:
            self._upload_all(batch, out_dir, set(plan.changed), progress)
            self.lease.renew_if_due()
        self._commit(plan, record, known)
        self.lease.release()

    def _make_folders(self, wanted: Iterable[str]) -> None:
        """Each folder of `wanted` the listing did not show, shallowest first; a missing target
        folder is made first, with its parents."""
        made = self._folders.make(wanted)
        if self._known is not None:
            self._known.layout.dirs.update(f for f in made if f.startswith(STATE_DIR))

    def _choose_openers(self, batches: list[list[str]], changed: set[str]) -> dict[str, str]:
        """New files whose upload makes their folder (publish/folders.py), where the store can."""
        if not self._new.opens_folders:
            return {}
        order = [p for batch in batches for p in batch]

        def may_open(path: str) -> bool:
            new = path not in changed and not self._foreign(path)
            return new and self._new.may_open_folder(path)

        return choose_openers(order, self._folders.missing(folders_of(order)), may_open)

    def _commit(self, plan: Plan, record: Record | None, known: Known) -> None:
        """The record (which is the manifest update), then deletes, then compaction."""
        result = apply_to_manifest(plan, plan.target)
        removed = {p: plan.target[p] for p in plan.deleted}
        ledger, layout = self.ledger, known.layout
        if record is None:  # finishing the deletes of the publish the latest record names
            self._delete_all(plan)
            if known.open_records and known.open_records[-1] == known.last_seq:
                ledger.put_done(known.last_seq)
            elif known.base_pending or known.base_legacy:  # deletes the base listed as pending
                ledger.put_base(result, known.base_seq, known)
            return
        seq = record.seq or 1
        if seq == known.base_seq or (MANIFEST_PATH not in layout.files and not known.last_seq):
            # Nothing published yet (or a first publish cut before its record): the base, then
            # its record, which needs no delta; deletes the base lists until they are done.
            ledger.put_base(result, seq, known, pending=removed)
            ledger.put_record(record, known)
            if removed:
                self._delete_all(plan)
                ledger.put_base(result, seq, known)
            return
        delta = make_delta(known.state.published, result, removed, known.etags)
        full = replace(record, delta=delta)
        ledger.put_record(full, known)
        self._delete_all(plan)
        if ledger.wants_compaction(known, full):
            ledger.compact(result, seq, known)
        elif plan.deleted:
            ledger.put_done(seq)

    def _delete_all(self, plan: Plan) -> None:
        assert self._known is not None
        for path in plan.deletes():
            self.store.delete(path)
            self._known.etags.pop(path, None)

    def _upload_all(
        self, paths: list[str], out_dir: Path, changed: set[str], progress: Progress | None
    ) -> None:
        conflicts: list[str] = []
        if self._openers:  # first: the other files of their folders go in after them
            opened = self._folders.open_folders(paths, self._openers, self._new.opening_folder)
            paths = [p for p in paths if p not in opened]
        small_new = [
            p for p in paths if p not in changed and not self._foreign(p) and self._new.small(p)
        ]
        sent = self._new.in_bulk(small_new)
        paths = [p for p in paths if p not in sent]

        def one(path: str) -> None:
            if not self._upload(path, out_dir / path, path in changed):
                with self._lock:
                    conflicts.append(path)
            elif progress:
                progress(path, (out_dir / path).stat().st_size)

        with ThreadPoolExecutor(self.workers) as pool:
            for future in [pool.submit(one, p) for p in paths]:
                future.result()  # the first failure stops the publish before the next batch
        if conflicts:
            names = "\n".join(
                f"{p}: placed on the target by hand, not by sitegen"
                if self._foreign(p) and p not in changed
                else f"{p}: changed on the target since the last publish"
                for p in sorted(conflicts)
            )
            raise PublishError(
                f"{names}\nnot overwritten; check with `sitegen verify`, then "
                "publish with --overwrite (or --repair) to replace them"
            )

    def _foreign(self, path: str) -> bool:
        """A file the listing showed where this publish adds a new one: not ours to replace."""
        st = (self._folders.listing or {}).get(path)
        return st is not None and not st.is_dir

    def _upload(self, path: str, source: Path, replacing: bool) -> bool:
        """Send one file; False when the target's copy changed under us (a hand edit), or a new
        file would replace one placed there by hand."""
        assert self._known is not None
        etags = self._known.etags
        if not replacing and not self.overwrite_conflicts and self._foreign(path):
            return False
        entry = hash_file(source)
        if_match = etags.get(path) if replacing and not self.overwrite_conflicts else None
        try:
            etag = self.store.write(
                path, source, if_match=if_match, sha256=entry.sha256, mtime=source.stat().st_mtime
            )
        except StoreConflict:
            # Our own upload, retried after a lost answer, or someone else's edit? Compare bytes.
            if self._sha_of(path) != entry.sha256:
                return False
            etag = None
        with self._lock:
            set_etag(etags, path, etag)
        return True

    # -- verify --------------------------------------------------------------------------------

    def held_files(self) -> dict[str, Entry]:
        listing = self.store.list_all() or {}
        paths = [
            p for p, st in listing.items() if not st.is_dir and not p.startswith(STATE_DIR + "/")
        ]

        def digest(path: str) -> tuple[str, Entry]:
            data = self.store.read(path)
            return path, Entry(hashlib.sha256(data).hexdigest(), len(data))

        with ThreadPoolExecutor(self.workers) as pool:
            return dict(pool.map(digest, paths))

    def history(self) -> History:
        return read_history(self.ledger, layout_of(self.store.list_all() or {}, STATE_DIR))

    def read_page_history(self) -> PageHistory:
        return pagehistory.read_from_store(self.store)

    def write_page_history(self, history: OutputHistory) -> None:
        self._make_folders([STATE_DIR])  # none to make after a publish: the listing shows it
        self.store.write(pagehistory.PAGE_HISTORY_PATH, pagehistory.encode(history))
