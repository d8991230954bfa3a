"""A proof for one file: the publishes that changed it, each vouched for by the publisher's key.

Each record's delta names the files its publish wrote or deleted, so walking the log backwards
from the newest record finds the last publishes of a file without rebuilding any manifest. A row
is verified when its own record's signature holds and the hash chain links it to the newest
record, whose signature holds too: the newest signature covers its `prev`, which fixes the bytes
of the record before it, and so on down the chain.

The walk stops at the tenth change, and it reads in full (JSON) only the lines that name the file
or that it must number; of every other line it takes the sha256 and the `prev` that closes a
canonical record line. The cost is milliseconds, whatever the site's size (see
benchmarks/bench_verify_proof.py). `verify --key` without `--file` checks every record's
signature.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sitegen.publish.log import Checked, signature_problem
from sitegen.publish.manifest import Entry, manifest_sha256
from sitegen.publish.record import Record, line_sha256
from sitegen.publish.signing import PublicKey
from sitegen.publish.target import History, LogEntry

LIMIT = 10
# Keys are sorted in a canonical line and `v"` cannot occur inside a JSON string, so the last
# match is the record's own `prev` (after it come only seq, sig, source and time). A line the
# publisher did not write could mislead this; `verify --key` reports such a line anyway.
_PREV = re.compile(rb'"prev":(?:null|"([0-9a-f]{64})")')


@dataclass(frozen=True)
class ProofRow:
    seq: int
    time: str
    change: str  # "published", "deleted", or "held" (from a full manifest, not a delta)
    sha256: str
    problem: str | None  # None: verified

    def __str__(self) -> str:
        verdict = "verified" if self.problem is None else f"NOT verified: {self.problem}"
        return f"record {self.seq}  {self.time}  {self.change:<9}  sha256 {self.sha256}  {verdict}"


def _read(entry: LogEntry, position: int) -> Checked | None:
    try:
        rec = Record.from_line(entry.data)
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return Checked(rec.seq or position + 1, entry, rec)


def _prev(entry: LogEntry, position: int) -> str | None:
    matches = _PREV.findall(entry.data)
    if matches:
        return matches[-1].decode() or None
    c = _read(entry, position)
    return c.record.prev if c is not None else "unreadable"


class _Walk:
    """The log from the newest record back, knowing whether each record still links to it."""

    def __init__(self, history: History, key: PublicKey) -> None:
        self.entries = history.entries
        self.key = key
        self.head = _read(self.entries[-1], len(self.entries) - 1)
        self.head_problem = "unreadable" if self.head is None else signature_problem(self.head, key)

    def problem(self, c: Checked, linked: bool) -> str | None:
        own = signature_problem(c, self.key)
        if own is not None:
            return f"record {c.seq}: {own}"
        if not linked:
            return "the chain is broken between this record and the newest"
        if self.head_problem is not None:
            head = self.head.seq if self.head else len(self.entries)
            return f"the newest record {head}: {self.head_problem}"
        return None

    def back(self) -> list[tuple[int, bool]]:
        """(position, linked to the head) of every record, newest first; lazily, as needed."""
        out: list[tuple[int, bool]] = []
        linked = True
        for i in range(len(self.entries) - 1, -1, -1):
            out.append((i, linked))
            if i and _prev(self.entries[i], i) != line_sha256(self.entries[i - 1].data):
                linked = False
        return out


def prove(history: History, key: PublicKey, path: str, limit: int = LIMIT) -> list[ProofRow]:
    """The last `limit` publishes of `path`, newest first; empty when the log never names it."""
    if not history.entries:
        return []
    walk = _Walk(history, key)
    needle = json.dumps(path).encode()
    rows: list[ProofRow] = []
    linked = True
    for i in range(len(history.entries) - 1, -1, -1):
        entry = history.entries[i]
        if needle in entry.data:
            c = _read(entry, i)
            found = _change(c.record, path) if c is not None else None
            if c is not None and found is not None:
                change, e = found
                rows.append(
                    ProofRow(c.seq, c.record.time, change, e.sha256, walk.problem(c, linked))
                )
                if len(rows) >= limit:
                    break
        if i and _prev(entry, i) != line_sha256(history.entries[i - 1].data):
            linked = False
    if not rows and path in history.base:
        rows.append(_from_base(history, walk, path))
    return rows


def _change(rec: Record, path: str) -> tuple[str, Entry] | None:
    if rec.delta is None:
        return None
    if path in rec.delta.files:
        return "published", rec.delta.files[path]
    if path in rec.delta.removed:
        return "deleted", rec.delta.removed[path]
    return None


def _from_base(history: History, walk: _Walk, path: str) -> ProofRow:
    """A file no delta names (unchanged since the first publish): as the full manifest the
    target keeps holds it, vouched for by the record whose manifest sha256 it has."""
    entry = history.base[path]
    seq = history.base_seq
    for i, linked in walk.back():
        c = _read(history.entries[i], i)
        if c is None or (seq is not None and c.seq != seq):
            continue
        why = walk.problem(c, linked)
        if why is None and manifest_sha256(history.base) != c.record.manifest_sha256:
            why = f"{history.base_where} does not match the manifest sha256 of record {c.seq}"
        return ProofRow(c.seq, c.record.time, "held", entry.sha256, why)
    return ProofRow(seq or 0, "-", "held", entry.sha256, f"the log holds no record {seq}")
