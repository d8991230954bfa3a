"""The publish log: a hash chain of records, one per publish, kept in the target.

Each record names the time, the source's fingerprint and the sha256 of the published manifest, and
the sha256 of the previous record's line, so rewriting history anywhere breaks the chain after it.
`verify` re-hashes what the target holds against the latest manifest, checks that this manifest
is the one the latest record names (rebuilding it from a base and the records' deltas where the
target keeps it that way), and walks the chain. Given the publisher's public key it also checks
every record's signature (`check_signatures`): the chain alone can be rewritten consistently by
whoever controls the target's storage, a signature cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sitegen.errors import Diagnostic
from sitegen.publish.manifest import Delta, Entry, Manifest, manifest_sha256
from sitegen.publish.plan import DEFAULT_KEEP, is_kept
from sitegen.publish.record import Record, RecordSigner, line_sha256, new_record
from sitegen.publish.target import History, LogEntry, Target

if TYPE_CHECKING:  # cryptography is imported only where a key is used
    from sitegen.publish.signing import PublicKey

__all__ = [
    "Checked",
    "Record",
    "check_chain",
    "check_signatures",
    "compare",
    "line_sha256",
    "next_record",
    "rebuild",
    "signature_problem",
    "verify",
]


def next_record(
    prev_sha: str | None,
    seq: int,
    now: datetime,
    source: str | None,
    manifest: Manifest,
    delta: Delta | None = None,
    signer: RecordSigner | None = None,
) -> Record:
    return new_record(prev_sha, seq, now, source, manifest, delta, signer)


@dataclass(frozen=True)
class Checked:
    seq: int  # the record's number (its position, for records written before numbering)
    entry: LogEntry
    record: Record


def check_chain(entries: Sequence[LogEntry]) -> tuple[list[Checked], list[Diagnostic]]:
    """The readable records and, one per place, everything that breaks the chain: unreadable
    records, records missing from the numbering, `prev` not matching the record before."""
    records: list[Checked] = []
    problems: list[Diagnostic] = []
    prev_sha: str | None = None
    expected = 1
    for entry in entries:
        try:
            rec = Record.from_line(entry.data)
        except (ValueError, KeyError, TypeError, IndexError):
            problems.append(
                Diagnostic(entry.where, entry.line, "unreadable record: the chain is broken")
            )
            prev_sha = line_sha256(entry.data)
            expected += 1
            continue
        gap = False
        if rec.seq is not None and rec.seq != expected:
            if rec.seq > expected:
                gone = (
                    f"record {expected} is"
                    if rec.seq == expected + 1
                    else f"records {expected} to {rec.seq - 1} are"
                )
                problems.append(
                    Diagnostic(
                        entry.where, entry.line, f"broken chain: {gone} missing before this one"
                    )
                )
                gap = True
            else:
                problems.append(
                    Diagnostic(
                        entry.where,
                        entry.line,
                        f"broken chain: numbered {rec.seq} where record {expected} belongs",
                    )
                )
            expected = rec.seq
        if not gap and rec.prev != prev_sha:
            problems.append(
                Diagnostic(
                    entry.where,
                    entry.line,
                    "broken chain: prev does not match the sha256 of the record before",
                )
            )
        records.append(Checked(expected, entry, rec))
        prev_sha = line_sha256(entry.data)
        expected += 1
    return records, problems


def rebuild(
    history: History, records: Sequence[Checked]
) -> tuple[dict[str, Entry], list[Diagnostic]]:
    """The latest manifest: the base, then the delta of every record after it; and every place
    where a manifest does not have the sha256 its record names."""
    base = history.base
    if not records:
        return base, [_at_base(history, "no publish record: nothing to verify against")]
    if history.base_seq is None:  # the base is meant to be the latest manifest
        if records[-1].record.manifest_sha256 != manifest_sha256(base):
            return base, [
                _at_base(history, "does not match the manifest sha256 of the latest log record")
            ]
        return base, []
    problems = _base_problems(history, [c for c in records if c.seq == history.base_seq])
    later = [c for c in records if c.seq > history.base_seq]
    manifest, replay_problems = _replay_deltas(base, later)
    return manifest, problems + replay_problems


def _at_base(history: History, message: str) -> Diagnostic:
    return Diagnostic(history.base_where, None, message)


def _base_problems(history: History, own: Sequence[Checked]) -> list[Diagnostic]:
    """Whether the base manifest is the one its own record (`own`: the records numbered as
    the base says) names, by manifest sha256 and, where the base names it, by record sha256."""
    seq = history.base_seq
    if not own:
        return [_at_base(history, f"belongs to record {seq}, which the log does not hold")]
    problems = []
    if own[-1].record.manifest_sha256 != manifest_sha256(history.base):
        problems.append(_at_base(history, f"does not match the manifest sha256 of record {seq}"))
    if history.base_record_sha and history.base_record_sha != line_sha256(own[-1].entry.data):
        problems.append(_at_base(history, f"names another record {seq} than the log's"))
    return problems


def _replay_deltas(
    base: Manifest, later: Sequence[Checked]
) -> tuple[dict[str, Entry], list[Diagnostic]]:
    """The base with every later record's delta applied, and the first record whose delta is
    missing or does not yield the manifest sha256 it names."""
    manifest = dict(base)
    problems: list[Diagnostic] = []
    broken = False  # past the first problem, keep applying: the file comparison says the most
    for c in later:
        if c.record.delta is None:
            if not broken:
                problems.append(
                    Diagnostic(
                        c.entry.where,
                        c.entry.line,
                        "carries no delta: the manifest cannot be rebuilt past this record",
                    )
                )
            broken = True
            continue
        manifest = c.record.delta.apply(manifest)
        if not broken and manifest_sha256(manifest) != c.record.manifest_sha256:
            problems.append(
                Diagnostic(
                    c.entry.where,
                    c.entry.line,
                    "its delta does not yield "
                    "the manifest sha256 it names (every later manifest is "
                    "rebuilt from it)",
                )
            )
            broken = True
    return manifest, problems


def compare(
    held: Manifest,
    manifest: Manifest,
    keep: tuple[str, ...] = DEFAULT_KEEP,
) -> list[Diagnostic]:
    """Every file that differs between what is held and what the manifest says was published."""
    out = []
    for path in sorted(set(held) | set(manifest)):
        if path not in held:
            out.append(Diagnostic(path, None, "missing: published but not on the target"))
        elif path not in manifest:
            if not is_kept(path, keep):
                out.append(Diagnostic(path, None, "extra: on the target but never published"))
        elif held[path] != manifest[path]:
            out.append(
                Diagnostic(
                    path,
                    None,
                    "changed since it was published "
                    f"(sha256 {held[path].sha256[:12]}…, "
                    f"published {manifest[path].sha256[:12]}…)",
                )
            )
    return out


def signature_problem(c: Checked, key: PublicKey) -> str | None:
    """None for a record signed with `key` and unchanged since; "unsigned"; or what is wrong.
    The stored bytes must be the record's canonical line: the signature covers that line, and
    a record re-encoded into other bytes of the same meaning was not left as it was signed."""
    rec = c.record
    if rec.sig is None and rec.key_id is None:
        return "unsigned"
    if rec.key_id != key.key_id:
        return f"signed by another key (key id {rec.key_id}, not {key.key_id})"
    if (
        rec.sig is None
        or rec.to_line().rstrip(b"\n") != c.entry.data
        or not key.verifies(rec.signed_payload(), rec.sig)
    ):
        return "bad signature"
    return None


def check_signatures(
    records: Sequence[Checked], chain: Sequence[Diagnostic], key: PublicKey
) -> list[Diagnostic]:
    """Every record that the publisher's key does not vouch for, one line each: a bad signature,
    another key, an unsigned record after signed ones (old unsigned records before the first
    signed one are fine), and a rewritten history: records re-chained after a changed one, which
    hold the chain together but not their signatures."""
    problems: list[Diagnostic] = []
    broken = {(d.path, d.line) for d in chain}
    signed_seen = False
    after_change = False  # the record before this one is not as the publisher signed it
    for c in records:
        verdict = signature_problem(c, key)
        if verdict is None:
            signed_seen, after_change = True, False
            continue
        if verdict == "unsigned" and not signed_seen:
            continue
        if verdict == "unsigned":
            message = "unsigned record after signed ones: written without the publisher's key"
        elif verdict == "bad signature" and after_change and _linked(c, broken):
            message = (
                "rewritten history: re-chained to a changed record without the publisher's key "
                "(bad signature)"
            )
        elif verdict == "bad signature":
            message = "bad signature: changed after it was signed"
        else:
            message = verdict
        signed_seen, after_change = True, True
        problems.append(Diagnostic(c.entry.where, c.entry.line, f"record {c.seq}: {message}"))
    if records and not signed_seen:
        first = records[0].entry
        problems.append(
            Diagnostic(
                first.where,
                None,
                f"no record is signed: nothing vouches for this log (key id {key.key_id})",
            )
        )
    return problems


def _linked(c: Checked, broken: set[tuple[str, int | None]]) -> bool:
    """Whether the chain holds between this record and the one before it."""
    return (c.entry.where, c.entry.line) not in broken


def verify(
    target: Target, keep: tuple[str, ...] = DEFAULT_KEEP, key: PublicKey | None = None
) -> list[Diagnostic]:
    """All problems found on `target`: file by file, then the manifests, then the chain, then
    (given the publisher's key) the signatures."""
    history = target.history()
    records, chain = check_chain(history.entries)
    manifest, manifests = rebuild(history, records)
    problems = compare(target.held_files(), manifest, keep)
    signatures = check_signatures(records, chain, key) if key is not None else []
    return problems + history.problems + manifests + chain + signatures
