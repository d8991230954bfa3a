"""The interface every publish backend offers, so planning, log and verify stay backend-blind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sitegen.publish.manifest import Entry, parse_json, to_json
from sitegen.publish.plan import Plan

Progress = Callable[[str, int], None]  # (path just written, its size)


@dataclass(frozen=True)
class TargetState:
    """What a target holds according to its own bookkeeping: the last manifest and the log."""

    manifest: dict[str, Entry] = field(default_factory=dict)
    log: bytes = b""


class Target(Protocol):
    @property
    def label(self) -> str:
        """A name for messages and lock files, without any password."""
        ...

    @property
    def checks_nextcloud_names(self) -> bool: ...

    def read_state(self) -> TargetState: ...

    def apply(self, plan: Plan, out_dir: Path, log_line: bytes, progress: Progress | None) -> None:
        """Carry out `plan` from the built tree `out_dir`; write the manifest, append `log_line`."""
        ...

    def held_files(self) -> dict[str, Entry]:
        """Re-hash what the target really holds (for verify), leaving out its state folder."""
        ...


def encode_manifest(files: dict[str, Entry], pending_deletes: dict[str, Entry] | None = None,
                    extra: dict[str, object] | None = None) -> bytes:
    """The target's manifest file; `pending_deletes` lists files still held until deletes finish,
    so a publish interrupted among its deletes is completed by the next run."""
    more: dict[str, object] = dict(extra or {})
    if pending_deletes:
        more["pending_deletes"] = {p: [e.sha256, e.size] for p, e in pending_deletes.items()}
    return to_json(files, more)


def decode_manifest(data: bytes) -> tuple[dict[str, Entry], dict[str, object]]:
    """What the target holds (published files plus any deletes not yet done) and the extras."""
    files, extra = parse_json(data)
    pending = extra.pop("pending_deletes", None)
    if isinstance(pending, dict):
        for p, v in pending.items():
            files.setdefault(str(p), Entry(str(v[0]), int(v[1])))
    return files, extra
