"""Layer 4: a Nextcloud (or any WebDAV) folder as a publish target.

What the target holds is what its manifest says. WebDAV cannot append, so the bookkeeping is
kept in files that are written once each and never rewritten, except on compaction:

    .sitegen/manifest.json            the base: the full manifest as of publish `seq`, with ETags
    .sitegen/journal/000124.json      one record per publish since the base, carrying its delta
    .sitegen/journal/000124.done      written after the deletes of a publish that deletes files
    .sitegen/log/000001-000123.jsonl  closed segments of the log (records moved out of journal/)
    .sitegen/publish-log.jsonl        the log of targets published before journals, kept as is

A publish reads one listing of `.sitegen/` (PROPFIND Depth infinity; with a warm local cache,
nothing else) and writes one small record. Only new and changed files move, in the plan's order:
new assets, changed assets, pages, then the record (the manifest), then deletes. When the journal
outgrows a fifth of the base, the publish also writes a fresh base and a closed log segment and
empties the journal. Files are replaced with `If-Match` on the ETag recorded when they were last
uploaded, so a hand edit on the server is not silently overwritten; records are created with
`If-None-Match`, so two publishers cannot both write publish number N.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import httpx

from sitegen.errors import Diagnostic, PublishError
from sitegen.publish.links import new_page_batches
from sitegen.publish.manifest import (
    JOURNAL_DIR,
    LOG_PATH,
    MANIFEST_PATH,
    SEGMENT_DIR,
    STATE_DIR,
    Entry,
    hash_file,
    make_delta,
)
from sitegen.publish.plan import Plan, apply_to_manifest
from sitegen.publish.record import Record, line_sha256
from sitegen.publish.target import (
    History,
    LogEntry,
    Progress,
    TargetState,
    decode_manifest,
    encode_manifest,
)
from sitegen.webdav import Client, PreconditionFailedError, WebDAVError, chunked_upload

CHUNKED_THRESHOLD = 10 * 1024 * 1024  # Nextcloud's chunked upload v2 from this size on
# A publish writes a fresh base when the journal's records outgrow this share of the base ...
COMPACT_RATIO = 0.2
# ... and this many bytes (small sites: a base of a few KB is not rewritten every publish) ...
COMPACT_MIN_BYTES = 64 * 1024
# ... or when the journal holds this many records (it is listed on every publish).
COMPACT_MAX_RECORDS = 1000

# Statuses with which servers refuse PROPFIND Depth infinity (Nextcloud can be set to refuse it).
_NO_INFINITY = (400, 403, 405, 501)
_RECORD = re.compile(r"(\d{6,})\.json")
_DONE = re.compile(r"(\d{6,})\.done")
_SEGMENT = re.compile(r"(\d{6,})-(\d{6,})\.jsonl")


def record_path(seq: int) -> str:
    return f"{JOURNAL_DIR}/{seq:06d}.json"


def done_path(seq: int) -> str:
    return f"{JOURNAL_DIR}/{seq:06d}.done"


def segment_path(first: int, last: int) -> str:
    return f"{SEGMENT_DIR}/{first:06d}-{last:06d}.jsonl"


class _Uploader(Protocol):
    def __call__(
        self, client: Client, path: str, source: Path, *, mtime: float | None, if_match: str | None
    ) -> str | None: ...


@dataclass
class _Layout:
    """What `.sitegen/` holds, from one listing: names, ETags and sizes, no contents."""

    exists: bool = False
    files: dict[str, tuple[str | None, int]] = field(default_factory=dict)  # path -> etag, size
    dirs: set[str] = field(default_factory=set)

    @property
    def records(self) -> dict[int, str]:
        return self._numbered(JOURNAL_DIR, _RECORD)

    @property
    def done(self) -> set[int]:
        return set(self._numbered(JOURNAL_DIR, _DONE))

    @property
    def segments(self) -> list[tuple[int, int, str]]:
        out = []
        for path in self.files:
            folder, _, name = path.rpartition("/")
            m = _SEGMENT.fullmatch(name)
            if folder == SEGMENT_DIR and m and int(m.group(1)) <= int(m.group(2)):
                out.append((int(m.group(1)), int(m.group(2)), path))
        return sorted(out)

    def _numbered(self, folder: str, pattern: re.Pattern[str]) -> dict[int, str]:
        out = {}
        for path in self.files:
            parent, _, name = path.rpartition("/")
            m = pattern.fullmatch(name)
            if parent == folder and m:
                out[int(m.group(1))] = path
        return out

    def etag(self, path: str) -> str | None:
        return self.files[path][0] if path in self.files else None

    def size(self, path: str) -> int:
        return self.files[path][1] if path in self.files else 0


@dataclass
class _Known:
    """What read_state learnt, for apply: the layout, the base and the journal since it."""

    layout: _Layout
    state: TargetState
    base_seq: int = 0  # the publish the base belongs to (0: no base)
    base_legacy: bool = False  # a manifest.json from before journals (no `seq`)
    base_pending: bool = False  # the base lists deletes not done yet
    last_seq: int = 0  # the newest record anywhere in the log
    open_records: list[int] = field(default_factory=list)  # journal records after the base


class DavTarget:
    def __init__(
        self,
        client: Client,
        *,
        label: str,
        nextcloud: bool = True,
        cache_dir: Path | None = None,
        workers: int = 4,
        overwrite_conflicts: bool = False,
        chunked: _Uploader | None = None,
        compact_ratio: float = COMPACT_RATIO,
        compact_min_bytes: int = COMPACT_MIN_BYTES,
        compact_max_records: int = COMPACT_MAX_RECORDS,
    ) -> None:
        self.client = client
        self._label = label
        self.nextcloud = nextcloud
        self.cache_dir = cache_dir
        self.workers = max(1, workers)
        self.overwrite_conflicts = overwrite_conflicts
        self.compact_ratio = compact_ratio
        self.compact_min_bytes = compact_min_bytes
        self.compact_max_records = compact_max_records
        self._chunked = chunked or _chunked_upload
        self._etags: dict[str, str] = {}
        self._known: _Known | None = None
        self._written_data: dict[str, bytes] = {}  # state files this run wrote
        self._base_etag: str | None = None  # of the base this run wrote
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self._label

    @property
    def checks_nextcloud_names(self) -> bool:
        return self.nextcloud

    # -- reading the target's bookkeeping -----------------------------------------------------

    def _list_state(self) -> _Layout:
        """One PROPFIND Depth infinity of `.sitegen/`; Depth 1 folder by folder where refused."""
        try:
            resources = self.client.propfind(STATE_DIR, "infinity")[1:]
        except WebDAVError as e:
            if e.status == 404:
                return _Layout()
            if e.status not in _NO_INFINITY:
                raise
            try:
                _, resources = self.client.list_folder(STATE_DIR)
            except WebDAVError as again:
                if again.status == 404:
                    return _Layout()
                raise
            for folder in [r for r in resources if r.is_dir]:
                resources += self.client.list_folder(folder.path)[1]
        layout = _Layout(exists=True)
        for r in resources:
            if r.is_dir:
                layout.dirs.add(r.path)
            else:
                layout.files[r.path] = (r.etag, r.size or 0)
        return layout

    def read_state(self) -> TargetState:
        """One listing of `.sitegen/`; a GET only for a state file the cache does not hold."""
        layout = self._list_state()
        self._cache_prune(layout)
        etags: dict[str, str] = {}
        base: dict[str, Entry] = {}
        pending: dict[str, Entry] = {}
        base_pending: dict[str, Entry] = {}
        base_seq, legacy = 0, False
        last_seq, last_sha, last_manifest = 0, None, None
        if MANIFEST_PATH in layout.files:
            base, pending, extra = decode_manifest(
                self._fetch(MANIFEST_PATH, layout), MANIFEST_PATH
            )
            base_pending = dict(pending)
            etags = _str_dict(extra.get("etags"))
            seq = extra.get("seq")
            if isinstance(seq, int) and seq > 0:
                base_seq = seq
            else:
                legacy = True
        if LOG_PATH in layout.files:  # the log from before journals: records 1..m
            lines = _lines(self._fetch(LOG_PATH, layout))
            if lines:
                last_seq, last_sha = len(lines), line_sha256(lines[-1])
                last_manifest = _manifest_sha_of(lines[-1])
            if legacy:
                base_seq = len(lines)
        # The newest record: in the journal, else at the end of the last closed segment.
        segments, records = layout.segments, layout.records
        newest_journal = max(records, default=0)
        if segments and segments[-1][1] > max(last_seq, newest_journal):
            lines = _lines(self._fetch(segments[-1][2], layout))
            if lines:
                last_seq, last_sha = segments[-1][1], line_sha256(lines[-1])
                last_manifest = _manifest_sha_of(lines[-1])
        elif newest_journal > last_seq:
            data = self._fetch(records[newest_journal], layout).rstrip(b"\n")
            last_seq, last_sha = newest_journal, line_sha256(data)
            last_manifest = _manifest_sha_of(data)
        published = dict(base)
        open_records = sorted(n for n in records if n > base_seq)
        for n in open_records:
            where = records[n]
            try:
                rec = Record.from_line(self._fetch(where, layout))
            except (ValueError, KeyError, TypeError, IndexError):
                raise PublishError(
                    f"{self._label}: {where} is unreadable; run `sitegen verify`"
                ) from None
            if rec.delta is None:
                raise PublishError(f"{self._label}: {where} carries no delta; run `sitegen verify`")
            published = rec.delta.apply(published)
            for p in rec.delta.removed:
                etags.pop(p, None)
            etags.update(rec.delta.etags)
            pending = (
                {p: e for p, e in rec.delta.removed.items() if p not in published}
                if n not in layout.done
                else {}
            )
        if base_seq > last_seq:  # a base whose record was never written (a cut first publish)
            last_manifest = None
        self._etags = {p: t for p, t in etags.items() if p in published or p in pending}
        state = TargetState(
            {**pending, **published},
            published,
            last_sha,
            last_manifest,
            max(last_seq, base_seq - 1) + 1,
        )
        self._known = _Known(
            layout, state, base_seq, legacy, bool(base_pending), last_seq, open_records
        )
        return state

    def _fetch(self, path: str, layout: _Layout) -> bytes:
        etag = layout.etag(path)
        cached = self._cache_read(path, etag)
        if cached is not None:
            return cached
        data = self.client.get_bytes(path)
        self._cache_write(path, data, etag)
        return data

    # -- a local cache of the state files, keyed by their ETag on the server ------------------

    def _cache_root(self) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(self._label.encode()).hexdigest()[:16]
        return self.cache_dir / "publish-targets" / key

    def _cache_file(self, path: str) -> Path | None:
        root = self._cache_root()
        return None if root is None else root / path.removeprefix(STATE_DIR + "/")

    def _cache_read(self, path: str, etag: str | None) -> bytes | None:
        f = self._cache_file(path)
        if f is None or etag is None or not f.is_file():
            return None
        meta = f.with_name(f.name + ".etag")
        if not meta.is_file() or meta.read_text() != etag:
            return None
        return f.read_bytes()

    def _cache_write(self, path: str, data: bytes, etag: str | None) -> None:
        f = self._cache_file(path)
        if f is None:
            return
        f.parent.mkdir(parents=True, exist_ok=True)
        meta = f.with_name(f.name + ".etag")
        meta.unlink(missing_ok=True)  # never a stale ETag beside new bytes
        f.write_bytes(data)
        if etag is not None:
            meta.write_text(etag)

    def _cache_prune(self, layout: _Layout) -> None:
        """Forget cached journal records that compaction moved out of the journal."""
        root = self._cache_root()
        folder = root / "journal" if root is not None else None
        if folder is None or not folder.is_dir():
            return
        for f in folder.iterdir():
            name = f.name.removesuffix(".etag")
            if f"{JOURNAL_DIR}/{name}" not in layout.files:
                f.unlink(missing_ok=True)

    # -- writing -------------------------------------------------------------------------------

    def apply(
        self, plan: Plan, out_dir: Path, record: Record | None, progress: Progress | None
    ) -> None:
        try:
            self._apply(plan, out_dir, record, progress)
        except WebDAVError as e:
            raise PublishError(
                f"publish to {self._label} interrupted: {e}\nwhat is online is "
                "consistent (assets before pages); the next publish completes "
                "it"
            ) from e

    def _apply(
        self, plan: Plan, out_dir: Path, record: Record | None, progress: Progress | None
    ) -> None:
        if self._known is None:
            self.read_state()
        known = self._known
        assert known is not None
        layout = known.layout
        if not layout.exists:
            self._mkcol(STATE_DIR)
        for folder in plan.folders_to_create():
            self._mkcol(folder)
        changed = set(plan.changed)
        # Batches in the plan's order (new pages after the new pages they link to); inside a
        # batch, bounded parallel transfers.
        for batch in new_page_batches(plan, out_dir):
            self._upload_all(batch, out_dir, changed, progress)
        result = apply_to_manifest(plan, plan.target)
        removed = {p: plan.target[p] for p in plan.deleted}
        if record is None:  # finishing the deletes of the publish the latest record names
            self._delete_all(plan)
            if known.open_records and known.open_records[-1] == known.last_seq:
                self._put_file(done_path(known.last_seq), b"")
            elif known.base_pending or known.base_legacy:  # deletes the base listed as pending
                self._put_base(result, known.base_seq, layout)
            return
        seq = record.seq or 1
        if seq == known.base_seq or (MANIFEST_PATH not in layout.files and not known.last_seq):
            # Nothing published yet (or a first publish cut before its record): the base, then
            # its record, which needs no delta; deletes the base lists until they are done.
            self._put_base(result, seq, layout, pending=removed)
            self._put_record(record, layout)
            if removed:
                self._delete_all(plan)
                self._put_base(result, seq, layout)
            return
        uploaded = {p: self._etags[p] for p in plan.uploads() if p in self._etags}
        full = replace(record, delta=make_delta(known.state.published, result, removed, uploaded))
        self._put_record(full, layout)
        self._delete_all(plan)
        if self._wants_compaction(known, full):
            self._compact(result, seq, known)
        elif plan.deleted:
            self._put_file(done_path(seq), b"")

    def _wants_compaction(self, known: _Known, record: Record) -> bool:
        layout = known.layout
        if known.base_legacy or MANIFEST_PATH not in layout.files:
            return True  # move a target from before journals to the journal layout
        journal = sum(layout.size(layout.records[n]) for n in known.open_records)
        journal += len(record.to_line())
        limit = max(self.compact_ratio * layout.size(MANIFEST_PATH), self.compact_min_bytes)
        return journal > limit or len(known.open_records) + 1 >= self.compact_max_records

    def _compact(self, result: dict[str, Entry], seq: int, known: _Known) -> None:
        """A closed segment for the journal's records, a fresh base, an empty journal. Each step
        leaves a readable target: the segment repeats records, the base is written after the
        deletes, and the journal's records are all in a segment before it is emptied."""
        layout = known.layout
        covered = max([end for _, end, _ in layout.segments] + [self._legacy_count(layout)])
        records = {n: p for n, p in layout.records.items() if n > covered}
        records[seq] = record_path(seq)
        lines = [
            self._written_data.get(p) or self._fetch(p, layout) for _, p in sorted(records.items())
        ]
        if SEGMENT_DIR not in layout.dirs:
            self._mkcol(SEGMENT_DIR)
        body = b"".join(line.rstrip(b"\n") + b"\n" for line in lines)
        self._put_file(segment_path(min(records), seq), body)
        self._put_base(result, seq, layout)
        try:
            self.client.delete(JOURNAL_DIR)
        except WebDAVError as e:
            if e.status != 404:
                raise
        self._mkcol(JOURNAL_DIR)  # so that the next publish sends only its record

    def _legacy_count(self, layout: _Layout) -> int:
        if LOG_PATH not in layout.files:
            return 0
        return len(_lines(self._fetch(LOG_PATH, layout)))

    def _put_base(
        self,
        result: dict[str, Entry],
        seq: int,
        layout: _Layout,
        pending: dict[str, Entry] | None = None,
    ) -> None:
        """Write the base; If-Match on the one read (If-None-Match: none), so a second
        publisher elsewhere makes this fail loudly instead of losing a publish."""
        etags = {p: e for p, e in self._etags.items() if p in result or p in (pending or {})}
        data = encode_manifest(result, pending, {"etags": etags, "seq": seq})
        etag = self._base_etag if self._base_etag is not None else layout.etag(MANIFEST_PATH)
        try:
            new = self.client.put(
                MANIFEST_PATH,
                data,
                if_match=etag,
                if_none_match=etag is None,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        except PreconditionFailedError:
            raise PublishError(
                f"{self._label}: {MANIFEST_PATH} changed while publishing "
                "(another publisher?); run the publish again"
            ) from None
        self._base_etag = new
        self._note(MANIFEST_PATH, data, new)

    def _put_record(self, record: Record, layout: _Layout) -> None:
        """Create the record's file; it never replaces one (If-None-Match)."""
        if JOURNAL_DIR not in layout.dirs:
            self._mkcol(JOURNAL_DIR)
        path = record_path(record.seq or 0)
        data = record.to_line()
        try:
            new = self.client.put(
                path, data, if_none_match=True, sha256=hashlib.sha256(data).hexdigest()
            )
        except PreconditionFailedError:
            # Our own PUT, retried after a lost answer, or another publisher's record N?
            if self.client.get_bytes(path) != data:
                raise PublishError(
                    f"{self._label}: {path} was written by another publish "
                    "meanwhile; run the publish again"
                ) from None
            new = self.client.stat(path).etag
        self._note(path, data, new)

    def _put_file(self, path: str, data: bytes) -> None:
        new = self.client.put(path, data, sha256=hashlib.sha256(data).hexdigest())
        self._note(path, data, new)

    def _note(self, path: str, data: bytes, etag: str | None) -> None:
        self._written_data[path] = data
        self._cache_write(path, data, etag)

    def _delete_all(self, plan: Plan) -> None:
        for path in plan.deletes():
            try:
                self.client.delete(path)
            except WebDAVError as e:
                if e.status != 404:  # already gone: an earlier, interrupted run got there
                    raise
            self._etags.pop(path, None)

    def _mkcol(self, folder: str) -> None:
        try:
            self.client.mkcol(folder)
        except WebDAVError as e:
            if e.status != 405:  # 405: it exists already (an interrupted run made it)
                raise

    def _upload_all(
        self, paths: list[str], out_dir: Path, changed: set[str], progress: Progress | None
    ) -> None:
        conflicts: list[str] = []

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
                f"{p}: changed on the target since the last publish" for p in sorted(conflicts)
            )
            raise PublishError(
                f"{names}\nnot overwritten; check with `sitegen verify`, then "
                "publish with --overwrite to replace them"
            )

    def _upload(self, path: str, source: Path, replacing: bool) -> bool:
        """PUT one file; False when the server's copy changed under us (a conflict)."""
        entry = hash_file(source)
        mtime = source.stat().st_mtime
        if_match = self._etags.get(path) if replacing and not self.overwrite_conflicts else None
        try:
            etag = self._send(path, source, entry, mtime, if_match)
        except PreconditionFailedError:
            # Our own upload from an interrupted run, or someone else's edit? Compare bytes.
            if hashlib.sha256(self.client.get_bytes(path)).hexdigest() != entry.sha256:
                return False
            etag = self.client.stat(path).etag
        with self._lock:
            if etag:
                self._etags[path] = etag
            else:
                self._etags.pop(path, None)
        return True

    def _send(
        self, path: str, source: Path, entry: Entry, mtime: float, if_match: str | None
    ) -> str | None:
        if self.nextcloud and entry.size >= CHUNKED_THRESHOLD:
            return self._chunked(self.client, path, source, mtime=mtime, if_match=if_match)
        return self.client.put(path, source, if_match=if_match, sha256=entry.sha256, mtime=mtime)

    # -- verify --------------------------------------------------------------------------------

    def held_files(self) -> dict[str, Entry]:
        resources = self.client.propfind("", "infinity")
        paths = [
            r.path for r in resources[1:] if not r.is_dir and not r.path.startswith(STATE_DIR + "/")
        ]

        def digest(path: str) -> tuple[str, Entry]:
            data = self.client.get_bytes(path)
            return path, Entry(hashlib.sha256(data).hexdigest(), len(data))

        with ThreadPoolExecutor(self.workers) as pool:
            return dict(pool.map(digest, paths))

    def history(self) -> History:
        """Every record (the old log, the closed segments, the journal) in order, and the base."""
        layout = self._list_state()
        problems: list[Diagnostic] = []
        by_seq: dict[int, LogEntry] = {}

        def add(seq: int, entry: LogEntry) -> None:
            seen = by_seq.get(seq)
            if seen is None:
                by_seq[seq] = entry
            elif seen.data != entry.data:
                problems.append(
                    Diagnostic(
                        entry.where,
                        entry.line,
                        f"record {seq} differs from its copy in {seen.where}",
                    )
                )

        legacy = 0
        if LOG_PATH in layout.files:
            lines = _lines(self._fetch(LOG_PATH, layout))
            legacy = len(lines)
            for n, line in enumerate(lines, start=1):
                add(n, LogEntry(LOG_PATH, n, line))
        for first, last, path in layout.segments:
            lines = _lines(self._fetch(path, layout))
            if len(lines) != last - first + 1:
                problems.append(
                    Diagnostic(
                        path, None, f"holds {len(lines)} records, its name says {last - first + 1}"
                    )
                )
            for n, line in enumerate(lines):
                add(first + n, LogEntry(path, n + 1, line))
        for n, path in sorted(layout.records.items()):
            add(n, LogEntry(path, None, self._fetch(path, layout).rstrip(b"\n")))
        base: dict[str, Entry] = {}
        base_seq: int | None = None
        if MANIFEST_PATH in layout.files:
            base, _, extra = decode_manifest(self._fetch(MANIFEST_PATH, layout), MANIFEST_PATH)
            seq = extra.get("seq")
            base_seq = seq if isinstance(seq, int) and seq > 0 else (legacy or None)
        entries = [by_seq[n] for n in sorted(by_seq)]
        return History(entries, base, MANIFEST_PATH, base_seq, None, problems)


def _lines(data: bytes) -> list[bytes]:
    return [ln for ln in data.split(b"\n") if ln.strip()]


def _manifest_sha_of(line: bytes) -> str | None:
    try:
        return Record.from_line(line).manifest_sha256
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _str_dict(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _chunked_upload(
    client: Client, path: str, source: Path, *, mtime: float | None, if_match: str | None
) -> str | None:
    return chunked_upload(client, path, source, mtime=mtime, if_match=if_match)


# -- public links through Nextcloud's OCS share API ----------------------------------------------

OCS_SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares"
PUBLIC_LINK = 3


def public_link(http: httpx.Client, origin: str, folder: str) -> str:
    """The URL of a public link to `folder` (a path in the user's files): reused if one exists,
    created otherwise. `http` carries the credentials; `origin` is https://host[:port]."""
    headers = {"OCS-APIRequest": "true", "Accept": "application/json"}
    url = origin.rstrip("/") + OCS_SHARES
    path = "/" + folder.strip("/")
    listed = http.get(
        url, params={"path": path, "reshares": "false", "format": "json"}, headers=headers
    )
    if listed.status_code != 404:  # 404: no shares on that path yet
        for share in _ocs_data(listed, "list shares"):
            if str(share.get("share_type")) == str(PUBLIC_LINK) and share.get("url"):
                return str(share["url"])
    created = http.post(
        url,
        params={"format": "json"},
        headers=headers,
        data={"path": path, "shareType": str(PUBLIC_LINK), "permissions": "1"},
    )
    data = _ocs_data(created, "create a public link")
    share = data[0] if data else {}
    if not share.get("url"):
        raise PublishError("OCS share API: the new share has no URL")
    return str(share["url"])


def _ocs_data(response: httpx.Response, doing: str) -> list[dict[str, object]]:
    if response.status_code >= 300:
        raise PublishError(f"OCS share API: could not {doing}: HTTP {response.status_code}")
    try:
        ocs = response.json()["ocs"]
        status = int(ocs["meta"]["statuscode"])
        data = ocs["data"]
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"OCS share API: could not {doing}: unreadable answer") from None
    if status not in (100, 200):
        message = ocs["meta"].get("message") or status
        raise PublishError(f"OCS share API: could not {doing}: {message}")
    items: Iterable[object] = data if isinstance(data, list) else [data]
    return [d for d in items if isinstance(d, dict)]


__all__ = ["CHUNKED_THRESHOLD", "COMPACT_RATIO", "DavTarget", "public_link"]
