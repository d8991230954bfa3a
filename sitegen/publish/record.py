"""One record of the publish log: a line of canonical JSON, chained to the record before it.

A record names the time, the source's fingerprint, the sha256 of the manifest it published, the
sha256 of the previous record (`prev`) and its number (`seq`; records written before numbering
have none and count by position). A record carries the publish's `delta` (on a WebDAV target
with the ETags it uploaded), so the log alone rebuilds every manifest from the base before it and
tells which publish changed a file.

A signed record names the publisher's key (`key`, its id) and carries `sig`, the Ed25519
signature of its canonical line without `sig`. The signature is made when the line is made, so it
covers whatever the target added to the record (a WebDAV target's ETags); Ed25519 is
deterministic, so the line is the same however often it is made.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Protocol

from sitegen.publish.manifest import Delta, Manifest, manifest_sha256


class RecordSigner(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, payload: bytes) -> bytes: ...


@dataclass(frozen=True)
class Record:
    time: str
    source: str | None
    manifest_sha256: str
    prev: str | None
    seq: int | None = None
    delta: Delta | None = None
    key_id: str | None = None
    sig: bytes | None = None
    signer: RecordSigner | None = field(default=None, compare=False, repr=False)

    def to_line(self) -> bytes:
        if self.signer is not None:
            unsigned = replace(self, key_id=self.signer.key_id, sig=None, signer=None)
            sig = self.signer.sign(unsigned.signed_payload())
            return replace(unsigned, sig=sig).to_line()
        return self._doc_line(with_sig=True) + b"\n"

    def signed_payload(self) -> bytes:
        """The bytes the signature covers: the canonical line without `sig` or newline."""
        return self._doc_line(with_sig=False)

    def _doc_line(self, with_sig: bool) -> bytes:
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
        if self.key_id is not None:
            doc["key"] = self.key_id
        if with_sig and self.sig is not None:
            doc["sig"] = base64.b64encode(self.sig).decode()
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()

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
        key = doc.get("key")
        sig = doc.get("sig")
        return cls(
            str(doc["time"]),
            None if source is None else str(source),
            str(doc["manifest_sha256"]),
            None if prev is None else str(prev),
            seq,
            delta,
            None if key is None else str(key),
            None if sig is None else _b64(sig),
        )

    @property
    def sha256(self) -> str:
        return line_sha256(self.to_line())


def _b64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("sig must be base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"sig is not base64: {exc}") from None


def line_sha256(line: bytes) -> str:
    """The identity of a record: the sha256 of its line without the newline."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def new_record(
    prev_sha: str | None,
    seq: int,
    now: datetime,
    source: str | None,
    manifest: Manifest,
    delta: Delta | None = None,
    signer: RecordSigner | None = None,
) -> Record:
    when = now.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Record(when, source, manifest_sha256(manifest), prev_sha, seq, delta, signer=signer)
