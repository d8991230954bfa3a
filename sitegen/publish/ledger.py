"""Layer 4: a store target's bookkeeping: the base manifest, the journal, the log segments.

A store cannot append, so the bookkeeping is kept in files that are written once each and
never rewritten, except on compaction:

    .sitegen/manifest.json            the base: the full manifest as of publish `seq`, with ETags
    .sitegen/journal/000124.json      one record per publish since the base, carrying its delta
    .sitegen/journal/000124.done      written after the deletes of a publish that deletes files
    .sitegen/log/000001-000123.jsonl  closed segments of the log (records moved out of journal/)
    .sitegen/publish-log.jsonl        the log of targets published before journals, kept as is

Reading needs one listing (the caller's) and, with a warm cache, no other request. Records are
created only (`create_only`), so two publishers cannot both write publish number N; the base is
replaced only with `if_match` on the one read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sitegen.errors import PublishError
from sitegen.publish.layout import Layout, done_path, layout_of, lines_of, record_path, segment_path
from sitegen.publish.manifest import JOURNAL_DIR, LOG_PATH, MANIFEST_PATH, SEGMENT_DIR, Entry
from sitegen.publish.record import Record, line_sha256
from sitegen.publish.statecache import StateCache
from sitegen.publish.store import Store, StoreConflict
from sitegen.publish.target import TargetState, decode_manifest, encode_manifest

# A publish writes a fresh base when the journal's records outgrow this share of the base ...
COMPACT_RATIO = 0.2
# ... and this many bytes (small sites: a base of a few KB is not rewritten every publish) ...
COMPACT_MIN_BYTES = 64 * 1024
# ... or when the journal holds this many records (it is listed on every publish).
COMPACT_MAX_RECORDS = 1000


@dataclass
class Known:
    """What `read` learnt, for the writes that follow."""

    layout: Layout
    state: TargetState
    etags: dict[str, str]  # the target's ETag of each published file, when known
    base_seq: int = 0  # the publish the base belongs to (0: no base)
    base_legacy: bool = False  # a manifest.json from before journals (no `seq`)
    base_pending: bool = False  # the base lists deletes not done yet
    last_seq: int = 0  # the newest record anywhere in the log
    open_records: list[int] = field(default_factory=list)  # journal records after the base


def set_etag(etags: dict[str, str], path: str, etag: str | None) -> None:
    """Note a published file's ETag in `Known.etags`; an unknown one forgets the old."""
    if etag:
        etags[path] = etag
    else:
        etags.pop(path, None)


class Ledger:
    def __init__(
        self,
        store: Store,
        cache: StateCache,
        *,
        compact_ratio: float = COMPACT_RATIO,
        compact_min_bytes: int = COMPACT_MIN_BYTES,
        compact_max_records: int = COMPACT_MAX_RECORDS,
    ) -> None:
        self.store = store
        self.cache = cache
        self.compact_ratio = compact_ratio
        self.compact_min_bytes = compact_min_bytes
        self.compact_max_records = compact_max_records
        self._written: dict[str, bytes] = {}  # state files this run wrote
        self._base_etag: str | None = None  # of the base this run wrote

    @property
    def label(self) -> str:
        return self.store.label

    def fetch(self, path: str, layout: Layout) -> bytes:
        etag = layout.etag(path)
        cached = self.cache.read(path, etag, layout.size(path))
        if cached is not None:
            return cached
        data = self.store.read(path)
        self.cache.write(path, data, etag)
        return data

    # -- reading -------------------------------------------------------------------------------

    def read(self, layout: Layout) -> Known:
        self.cache.prune(set(layout.files))
        base, pending, etags, base_seq, legacy = self._read_base(layout)
        base_pending = bool(pending)
        last_seq, last_sha, last_manifest = 0, None, None
        if LOG_PATH in layout.files:  # the log from before journals: records 1..m
            lines = lines_of(self.fetch(LOG_PATH, layout))
            if lines:
                last_seq, last_sha = len(lines), line_sha256(lines[-1])
                last_manifest = _manifest_sha_of(lines[-1])
            if legacy:
                base_seq = len(lines)
        segments, records = layout.segments, layout.records
        newest_journal = max(records, default=0)
        if segments and segments[-1][1] > max(last_seq, newest_journal):
            lines = lines_of(self.fetch(segments[-1][2], layout))
            if lines:
                last_seq, last_sha = segments[-1][1], line_sha256(lines[-1])
                last_manifest = _manifest_sha_of(lines[-1])
        elif newest_journal > last_seq:
            data = self.fetch(records[newest_journal], layout).rstrip(b"\n")
            last_seq, last_sha = newest_journal, line_sha256(data)
            last_manifest = _manifest_sha_of(data)
        published = dict(base)
        open_records = sorted(n for n in records if n > base_seq)
        for n in open_records:
            rec = self._journal_record(records[n], layout)
            assert rec.delta is not None
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
        state = TargetState(
            {**pending, **published},
            published,
            last_sha,
            last_manifest,
            max(last_seq, base_seq - 1) + 1,
        )
        etags = {p: t for p, t in etags.items() if p in state.manifest}
        return Known(layout, state, etags, base_seq, legacy, base_pending, last_seq, open_records)

    def _read_base(
        self, layout: Layout
    ) -> tuple[dict[str, Entry], dict[str, Entry], dict[str, str], int, bool]:
        """(published, pending deletes, ETags, seq, legacy) of the base manifest, if any."""
        if MANIFEST_PATH not in layout.files:
            return {}, {}, {}, 0, False
        base, pending, extra = decode_manifest(self.fetch(MANIFEST_PATH, layout), MANIFEST_PATH)
        seq = extra.get("seq")
        if isinstance(seq, int) and seq > 0:
            return base, pending, _str_dict(extra.get("etags")), seq, False
        return base, pending, _str_dict(extra.get("etags")), 0, True

    def _journal_record(self, where: str, layout: Layout) -> Record:
        try:
            rec = Record.from_line(self.fetch(where, layout))
        except (ValueError, KeyError, TypeError, IndexError):
            raise PublishError(
                f"{self.label}: {where} is unreadable; run `sitegen verify`"
            ) from None
        if rec.delta is None:
            raise PublishError(f"{self.label}: {where} carries no delta; run `sitegen verify`")
        return rec

    # -- writing -------------------------------------------------------------------------------

    def put_base(
        self,
        result: dict[str, Entry],
        seq: int,
        known: Known,
        pending: dict[str, Entry] | None = None,
    ) -> None:
        """Write the base; if_match on the one read (create_only: none), so a second publisher
        elsewhere makes this fail loudly instead of losing a publish."""
        keep = result.keys() | (pending or {}).keys()
        etags = {p: e for p, e in known.etags.items() if p in keep}
        data = encode_manifest(result, pending, {"etags": etags, "seq": seq})
        etag = self._base_etag if self._base_etag is not None else known.layout.etag(MANIFEST_PATH)
        try:
            new = self.store.write(
                MANIFEST_PATH,
                data,
                if_match=etag,
                create_only=etag is None,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        except StoreConflict:
            if etag is None and self.store.read(MANIFEST_PATH) == data:
                new = None  # our own write, retried after its answer was lost
            else:
                raise PublishError(
                    f"{self.label}: {MANIFEST_PATH} changed while publishing "
                    "(another publisher?); run the publish again"
                ) from None
        self._base_etag = new
        self._note(MANIFEST_PATH, data, new)

    def put_record(self, record: Record, known: Known) -> None:
        """Create the record's file; it never replaces one."""
        if JOURNAL_DIR not in known.layout.dirs:
            self.store.make_folder(JOURNAL_DIR)
            known.layout.dirs.add(JOURNAL_DIR)
        path = record_path(record.seq or 0)
        data = record.to_line()
        try:
            new = self.store.write(
                path, data, create_only=True, sha256=hashlib.sha256(data).hexdigest()
            )
        except StoreConflict:
            # Our own write, retried after a lost answer, or another publisher's record N?
            if self.store.read(path) != data:
                raise PublishError(
                    f"{self.label}: {path} was written by another publish "
                    "meanwhile; run the publish again"
                ) from None
            new = None
        self._note(path, data, new)

    def put_done(self, seq: int) -> None:
        self._put_file(done_path(seq), b"")

    def _put_file(self, path: str, data: bytes) -> None:
        new = self.store.write(path, data, sha256=hashlib.sha256(data).hexdigest())
        self._note(path, data, new)

    def _note(self, path: str, data: bytes, etag: str | None) -> None:
        self._written[path] = data
        self.cache.write(path, data, etag)

    def wants_compaction(self, known: Known, record: Record) -> bool:
        layout = known.layout
        if known.base_legacy or MANIFEST_PATH not in layout.files:
            return True  # move a target from before journals to the journal layout
        journal = sum(layout.size(layout.records[n]) for n in known.open_records)
        journal += len(record.to_line())
        limit = max(self.compact_ratio * layout.size(MANIFEST_PATH), self.compact_min_bytes)
        return journal > limit or len(known.open_records) + 1 >= self.compact_max_records

    def compact(self, result: dict[str, Entry], seq: int, known: Known) -> None:
        """A closed segment for the journal's records, a fresh base, an empty journal. Each step
        leaves a readable target: the segment repeats records, the base is written after the
        deletes, and the journal's records are all in a segment before it is emptied."""
        layout = known.layout
        covered = max([end for _, end, _ in layout.segments] + [self._legacy_count(layout)])
        records = {n: p for n, p in layout.records.items() if n > covered}
        records[seq] = record_path(seq)
        lines = [self._written.get(p) or self.fetch(p, layout) for _, p in sorted(records.items())]
        if SEGMENT_DIR not in layout.dirs:
            self.store.make_folder(SEGMENT_DIR)
        body = b"".join(line.rstrip(b"\n") + b"\n" for line in lines)
        self._put_file(segment_path(min(records), seq), body)
        self.put_base(result, seq, known)
        self.store.delete(JOURNAL_DIR)
        self.store.make_folder(JOURNAL_DIR)  # so that the next publish sends only its record

    def _legacy_count(self, layout: Layout) -> int:
        if LOG_PATH not in layout.files:
            return 0
        return len(lines_of(self.fetch(LOG_PATH, layout)))


def _manifest_sha_of(line: bytes) -> str | None:
    try:
        return Record.from_line(line).manifest_sha256
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _str_dict(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


__all__ = ["Known", "Layout", "Ledger", "layout_of", "lines_of", "record_path"]
