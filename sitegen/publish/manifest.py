"""Layer 3: a manifest is path -> (sha256, size) of an output tree.

Hashing reads files; everything else here is pure. The serialised form is canonical (sorted keys,
no whitespace) so that its sha256 identifies exactly one set of published files.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.errors import PublishError

# The folder a target keeps its own bookkeeping in; never part of a site's manifest.
STATE_DIR = ".sitegen"
# A full manifest: the base of a WebDAV target (as of one numbered publish), or a release's own.
MANIFEST_PATH = f"{STATE_DIR}/manifest.json"
# An appended log: a web root's log, and the log of a WebDAV target written before journals.
LOG_PATH = f"{STATE_DIR}/publish-log.jsonl"
# WebDAV targets cannot append: one small record file per publish since the base ...
JOURNAL_DIR = f"{STATE_DIR}/journal"
# ... moved into closed, numbered segments of the log when a fresh base is written.
SEGMENT_DIR = f"{STATE_DIR}/log"

_CHUNK = 1 << 20


@dataclass(frozen=True, order=True)
class Entry:
    sha256: str
    size: int


Manifest = Mapping[str, Entry]


def hash_file(path: Path) -> Entry:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return Entry(h.hexdigest(), size)


def hash_bytes(data: bytes) -> Entry:
    return Entry(hashlib.sha256(data).hexdigest(), len(data))


def walk_files(root: Path) -> Iterator[str]:
    """Relative POSIX paths of the regular files under `root`, leaving out the state folder."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            rel_dir = ""
            dirnames[:] = [d for d in dirnames if d != STATE_DIR]
        dirnames.sort()
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                yield rel.replace(os.sep, "/")


def manifest_of_tree(root: Path) -> dict[str, Entry]:
    return {rel: hash_file(root / rel) for rel in walk_files(root)}


def to_json(manifest: Manifest, extra: Mapping[str, object] | None = None) -> bytes:
    """Canonical JSON; `extra` carries per-target metadata (ETags) outside the hashed part."""
    doc: dict[str, object] = {
        "version": 1,
        "files": {p: [e.sha256, e.size] for p, e in sorted(manifest.items())},
    }
    if extra:
        doc.update(extra)
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def parse_json(
    data: bytes, where: str = MANIFEST_PATH
) -> tuple[dict[str, Entry], dict[str, object]]:
    """The files and the extra metadata of a serialised manifest."""
    try:
        doc = json.loads(data)
        files = {str(p): Entry(str(v[0]), int(v[1])) for p, v in doc["files"].items()}
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise PublishError.at(where, None, f"unreadable manifest: {exc}") from exc
    extra = {k: v for k, v in doc.items() if k not in ("version", "files")}
    return files, extra


def manifest_sha256(manifest: Manifest) -> str:
    """The identity of a set of files: the sha256 of its canonical JSON without extras."""
    return hashlib.sha256(to_json(manifest)).hexdigest()


def entries_to_doc(files: Mapping[str, Entry]) -> dict[str, list[object]]:
    return {p: [e.sha256, e.size] for p, e in sorted(files.items())}


def entries_from_doc(doc: object) -> dict[str, Entry]:
    if not isinstance(doc, dict):
        raise TypeError("a path -> [sha256, size] table expected")
    return {str(p): Entry(str(v[0]), int(v[1])) for p, v in doc.items()}


@dataclass(frozen=True)
class Delta:
    """What one publish changed in a manifest: `files` added or replaced, `removed` deleted
    (with the entries they had), and the target's ETags of the files it uploaded."""

    files: Mapping[str, Entry]
    removed: Mapping[str, Entry]
    etags: Mapping[str, str]

    def apply(self, manifest: Manifest) -> dict[str, Entry]:
        result = {p: e for p, e in manifest.items() if p not in self.removed}
        result.update(self.files)
        return result

    def to_doc(self) -> dict[str, object]:
        return {
            "files": entries_to_doc(self.files),
            "removed": entries_to_doc(self.removed),
            "etags": dict(sorted(self.etags.items())),
        }

    @classmethod
    def from_doc(cls, doc: object) -> Delta:
        if not isinstance(doc, dict):
            raise TypeError("a delta must be a table")
        etags = doc.get("etags") or {}
        if not isinstance(etags, dict):
            raise TypeError("etags must be a table")
        return cls(
            entries_from_doc(doc.get("files", {})),
            entries_from_doc(doc.get("removed", {})),
            {str(k): str(v) for k, v in etags.items()},
        )


def make_delta(
    published: Manifest,
    result: Manifest,
    removed: Mapping[str, Entry],
    etags: Mapping[str, str] | None = None,
) -> Delta:
    """The delta that turns `published` into `result`; `removed` may name files `published` no
    longer lists (deletes an interrupted publish left to do), which is harmless on replay."""
    files = {p: e for p, e in result.items() if published.get(p) != e}
    gone = {p: e for p, e in removed.items() if p not in result}
    gone.update({p: e for p, e in published.items() if p not in result})
    return Delta(files, gone, {p: t for p, t in (etags or {}).items() if p in files})
