"""The publish log: a hash chain of records, one per publish, kept in the target.

Each record names the time, the source's fingerprint and the sha256 of the published manifest, and
the sha256 of the previous record's line, so rewriting history anywhere breaks the chain after it.
`verify` re-hashes what the target holds against the latest manifest and checks that chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sitegen.errors import Diagnostic
from sitegen.publish.manifest import LOG_PATH, MANIFEST_PATH, Manifest, manifest_sha256
from sitegen.publish.plan import DEFAULT_KEEP, is_kept
from sitegen.publish.target import Target


@dataclass(frozen=True)
class Record:
    time: str
    source: str | None
    manifest_sha256: str
    prev: str | None

    def to_line(self) -> bytes:
        doc = {"time": self.time, "source": self.source,
               "manifest_sha256": self.manifest_sha256, "prev": self.prev}
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def line_sha256(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def _lines(log: bytes) -> list[bytes]:
    return [ln for ln in log.split(b"\n") if ln.strip()]


def next_record(log: bytes, now: datetime, source: str | None, manifest: Manifest) -> Record:
    lines = _lines(log)
    prev = line_sha256(lines[-1]) if lines else None
    when = now.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Record(when, source, manifest_sha256(manifest), prev)


def parse(log: bytes) -> tuple[list[Record], list[Diagnostic]]:
    """The records and, one per line, every place where the chain does not hold."""
    records: list[Record] = []
    problems: list[Diagnostic] = []
    prev_sha: str | None = None
    for n, line in enumerate(_lines(log), start=1):
        try:
            doc = json.loads(line)
            rec = Record(str(doc["time"]), doc.get("source"), str(doc["manifest_sha256"]),
                         doc.get("prev"))
        except (ValueError, KeyError, TypeError):
            problems.append(Diagnostic(LOG_PATH, n, "unreadable record: the chain is broken"))
            prev_sha = line_sha256(line)
            continue
        if rec.prev != prev_sha:
            problems.append(Diagnostic(
                LOG_PATH, n, "broken chain: prev does not match the sha256 of the record before"))
        records.append(rec)
        prev_sha = line_sha256(line)
    return records, problems


def last_manifest_sha(log: bytes) -> str | None:
    records, _ = parse(log)
    return records[-1].manifest_sha256 if records else None


def compare(held: Manifest, manifest: Manifest, keep: tuple[str, ...] = DEFAULT_KEEP,
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
            out.append(Diagnostic(path, None, "changed since it was published "
                                  f"(sha256 {held[path].sha256[:12]}…, "
                                  f"published {manifest[path].sha256[:12]}…)"))
    return out


def verify(target: Target, keep: tuple[str, ...] = DEFAULT_KEEP) -> list[Diagnostic]:
    """All problems found on `target`: file by file, then the manifest and the chain."""
    state = target.read_state()
    problems = compare(target.held_files(), state.manifest, keep)
    records, chain = parse(state.log)
    if not records:
        problems.append(Diagnostic(LOG_PATH, None, "no publish record: nothing to verify against"))
    elif records[-1].manifest_sha256 != manifest_sha256(state.manifest):
        problems.append(Diagnostic(MANIFEST_PATH, None,
                                   "does not match the manifest sha256 of the latest log record"))
    return problems + chain
