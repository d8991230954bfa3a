"""Layer 4: the release folders of a web root, what each holds, and what moves between them.

A release's own manifest (`releases/R/.sitegen/manifest.json`) lists the site's files, and under
`carried` the fingerprinted assets it keeps for pages of earlier releases (a page fetched just
before a switch still loads its stylesheet after it). Files move between releases as hard links,
each checked against its manifest entry first, so an edited file is never shared further.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sitegen.publish.manifest import MANIFEST_PATH, Entry, entries_from_doc
from sitegen.publish.plan import is_page
from sitegen.publish.target import decode_manifest
from sitegen.publish.webroot_files import is_intact, link_checked, replace_from

RELEASES = "releases"
CURRENT = "current"
TMP_PREFIX = ".tmp-"
CARRIED = "carried"

# `css/site.3f2a9c1e.css` (or `name.3f2a9c1e` without a suffix): sitegen's fingerprinted names.
_HASHED = re.compile(r"\.([0-9a-f]{8})(?:\.[^./]+)?$")


@dataclass(frozen=True)
class ReleaseFiles:
    files: dict[str, Entry] = field(default_factory=dict)  # the site's own
    carried: dict[str, Entry] = field(default_factory=dict)  # earlier releases' assets


def read_release(release: Path) -> ReleaseFiles:
    path = release / MANIFEST_PATH
    if not path.is_file():
        return ReleaseFiles()
    files, _, extra = decode_manifest(path.read_bytes(), str(path))
    try:
        carried = entries_from_doc(extra.get(CARRIED) or {})
    except (TypeError, ValueError, IndexError):
        carried = {}
    return ReleaseFiles(files, carried)


def list_releases(root: Path) -> list[Path]:
    """Finished releases, oldest first (their names are UTC timestamps)."""
    folder = root / RELEASES
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(TMP_PREFIX))


def release_name(folder: Path) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    name, n = stamp, 1
    while (folder / name).exists() or (folder / f"{TMP_PREFIX}{name}").exists():
        n += 1  # two publishes within one microsecond
        name = f"{stamp}-{n}"
    return name


def is_fingerprinted(path: str, entry: Entry) -> bool:
    """Named by its own content: the hash in the name is the start of the file's sha256, so
    the name can never serve other bytes and keeping it costs a reader nothing."""
    m = _HASHED.search(posixpath.basename(path))
    return m is not None and not is_page(path) and entry.sha256.startswith(m.group(1))


def carry_assets(dest: Path, own: dict[str, Entry], sources: Iterable[Path]) -> dict[str, Entry]:
    """Link into `dest` the fingerprinted assets of `sources` (newest first) that the new
    release does not hold itself; a file that no longer matches its entry is left behind."""
    carried: dict[str, Entry] = {}
    for release in sources:
        for path, entry in sorted(read_release(release).files.items()):
            if path in own or path in carried or not is_fingerprinted(path, entry):
                continue
            if link_checked(release / path, dest / path, entry):
                carried[path] = entry
    return carried


def repair(release: Path, wanted: dict[str, Entry], others: list[Path], tmp: Path) -> list[str]:
    """Make every file of `release` hold its manifest's bytes again, each damaged one replaced
    by an intact copy from another release; the paths no release holds intact are returned."""
    lost = []
    for path, entry in sorted(wanted.items()):
        if is_intact(release / path, entry):
            continue
        good = next((o / path for o in others if is_intact(o / path, entry)), None)
        if good is None:
            lost.append(path)
        else:
            replace_from(good, release / path, tmp)
    return lost
