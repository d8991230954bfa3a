"""One record of the publish log: a line of canonical JSON, chained to the record before it.

A record names the time, the source's fingerprint, the sha256 of the manifest it published, the
sha256 of the previous record (`prev`) and its number (`seq`; records written before numbering
have none and count by position). A WebDAV target's record also carries the publish's `delta`, so
the log alone rebuilds every manifest from the base before it: a publish writes one small file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sitegen.publish.manifest import Delta, Manifest, manifest_sha256


@dataclass(frozen=True)
class Record:
    time: str
    source: str | None
    manifest_sha256: str
    prev: str | None
    seq: int | None = None
    delta: Delta | None = None

    def to_line(self) -> bytes:
        doc: dict[str, object] = {
            "time": self.time,
            "source": self.source,
            "manifest_sha256": self.manifest_sha256,
            "prev": self.prev,
        }
        if self.seq is not None:
            doc["seq"] = self.seq
        if self.delta is not None:
            doc["delta"] = self.delta.to_doc()
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> Record:
        """Raises ValueError, KeyError or TypeError on a record that cannot be read."""
        doc = json.loads(line)
        seq = doc.get("seq")
        if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 1):
            raise TypeError(f"seq must be a positive number, not {seq!r}")
        delta = Delta.from_doc(doc["delta"]) if doc.get("delta") is not None else None
        prev = doc.get("prev")
        source = doc.get("source")
        return cls(
            str(doc["time"]),
            None if source is None else str(source),
            str(doc["manifest_sha256"]),
            None if prev is None else str(prev),
            seq,
            delta,
        )

    @property
    def sha256(self) -> str:
        return line_sha256(self.to_line())


def line_sha256(line: bytes) -> str:
    """The identity of a record: the sha256 of its line without the newline."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def new_record(
    prev_sha: str | None, seq: int, now: datetime, source: str | None, manifest: Manifest
) -> Record:
    when = now.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Record(when, source, manifest_sha256(manifest), prev_sha, seq)
