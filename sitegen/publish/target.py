"""The interface every publish backend offers, so planning, log and verify stay backend-blind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sitegen.compiler.moved import OutputHistory
from sitegen.errors import Diagnostic
from sitegen.publish.manifest import Entry, entries_from_doc, parse_json, to_json
from sitegen.publish.pagehistory import PageHistory
from sitegen.publish.plan import Plan
from sitegen.publish.record import Record

Progress = Callable[[str, int], None]  # (path just written, its size)


@dataclass(frozen=True)
class TargetState:
    """What a target holds according to its own bookkeeping."""

    manifest: dict[str, Entry] = field(default_factory=dict)  # published + deletes not yet done
    published: dict[str, Entry] = field(default_factory=dict)  # the latest published manifest
    last_record_sha: str | None = None  # the `prev` of the next record
    last_manifest_sha: str | None = None  # the manifest the latest record names
    next_seq: int = 1
    # Files that differ from the last manifest (changed, missing, extra), found while reading.
    drift: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class LogEntry:
    """One record as stored: the file it is in, its line there (None: a one-record file)."""

    where: str
    line: int | None
    data: bytes  # without the newline


@dataclass
class History:
    """Everything `verify` needs besides the files: the log in chain order and a full manifest
    (`base`) belonging to record `base_seq` (None: to the latest record)."""

    entries: list[LogEntry]
    base: dict[str, Entry]
    base_where: str
    base_seq: int | None = None
    base_record_sha: str | None = None  # the base's own note of its record's sha256
    problems: list[Diagnostic] = field(default_factory=list)  # found while reading


class Target(Protocol):
    @property
    def label(self) -> str:
        """A name for messages and lock files, without any password."""
        ...

    @property
    def checks_nextcloud_names(self) -> bool: ...

    def read_state(self) -> TargetState: ...

    def apply(
        self, plan: Plan, out_dir: Path, record: Record | None, progress: Progress | None
    ) -> None:
        """Carry out `plan` from the built tree `out_dir` and write `record` to the log; with
        None, finish a publish whose record is already written (its deletes)."""
        ...

    def held_files(self) -> dict[str, Entry]:
        """Re-hash what the target really holds (for verify), leaving out its state folder."""
        ...

    def history(self) -> History: ...

    def read_page_history(self) -> PageHistory:
        """Where each page was published, by file ID (publish/pagehistory.py); {} if never."""
        ...

    def write_page_history(self, history: OutputHistory) -> None: ...


def encode_manifest(
    files: dict[str, Entry],
    pending_deletes: dict[str, Entry] | None = None,
    extra: dict[str, object] | None = None,
) -> bytes:
    """A full manifest file; `pending_deletes` lists files still held until deletes finish,
    so a publish interrupted among its deletes is completed by the next run."""
    more: dict[str, object] = dict(extra or {})
    if pending_deletes:
        more["pending_deletes"] = {p: [e.sha256, e.size] for p, e in pending_deletes.items()}
    return to_json(files, more)


def decode_manifest(
    data: bytes, where: str = ""
) -> tuple[dict[str, Entry], dict[str, Entry], dict[str, object]]:
    """(published files, deletes not yet done, the other extras) of a full manifest file."""
    files, extra = parse_json(data, *((where,) if where else ()))
    pending = extra.pop("pending_deletes", None)
    try:
        pending_files = entries_from_doc(pending) if pending else {}
    except (TypeError, ValueError, IndexError):
        pending_files = {}
    return files, pending_files, extra
