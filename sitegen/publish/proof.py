"""A proof for one file: the publishes that changed it, each vouched for by the publisher's key.

Each record's delta names the files its publish wrote or deleted, so walking the log backwards
finds the last publishes of a file without rebuilding any manifest. A row is verified when its
own record's signature holds and the hash chain links it to the newest record, whose signature
holds too: the newest signature covers the `prev` of every record before it, so the whole chain
up to it is as the publisher wrote it. The cost is one pass of sha256 over the log's lines and a
handful of signature checks: milliseconds, whatever the site's size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sitegen.publish.log import Checked, check_chain, signature_problem
from sitegen.publish.manifest import manifest_sha256
from sitegen.publish.signing import PublicKey
from sitegen.publish.target import History

LIMIT = 10


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


def prove(history: History, key: PublicKey, path: str, limit: int = LIMIT) -> list[ProofRow]:
    """The last `limit` publishes of `path`, newest first; empty when the log never names it."""
    records, chain = check_chain(history.entries)
    if not records:
        return []
    position = {(e.where, e.line): n for n, e in enumerate(history.entries)}
    broken = [position[(d.path, d.line)] for d in chain if (d.path, d.line) in position]
    linked_from = max(broken, default=0)  # records before the last break do not reach the head
    head = records[-1]
    head_problem = signature_problem(head, key)

    def problem(c: Checked) -> str | None:
        own = signature_problem(c, key)
        if own is not None:
            return f"record {c.seq}: {own}"
        if position[(c.entry.where, c.entry.line)] < linked_from:
            return "the chain is broken between this record and the newest"
        if head_problem is not None:
            return f"the newest record {head.seq}: {head_problem}"
        return None

    rows: list[ProofRow] = []
    for c in reversed(records):
        delta = c.record.delta
        if delta is None or len(rows) >= limit:
            continue
        if path in delta.files:
            entry, change = delta.files[path], "published"
        elif path in delta.removed:
            entry, change = delta.removed[path], "deleted"
        else:
            continue
        rows.append(ProofRow(c.seq, c.record.time, change, entry.sha256, problem(c)))
    if not rows and path in history.base:
        rows.append(_from_base(history, records, path, problem))
    return rows


def _from_base(
    history: History,
    records: list[Checked],
    path: str,
    problem: Callable[[Checked], str | None],
) -> ProofRow:
    """A file no delta names (published before records carried deltas): as the full manifest
    the target keeps holds it, vouched for by the record whose manifest sha256 it has."""
    seq = history.base_seq if history.base_seq is not None else records[-1].seq
    own = [c for c in records if c.seq == seq]
    entry = history.base[path]
    if not own:
        return ProofRow(seq, "-", "held", entry.sha256, f"the log holds no record {seq}")
    c = own[-1]
    why = problem(c)
    if why is None and manifest_sha256(history.base) != c.record.manifest_sha256:
        why = f"{history.base_where} does not match the manifest sha256 of record {seq}"
    return ProofRow(seq, c.record.time, "held", entry.sha256, why)
