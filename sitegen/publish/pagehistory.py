"""Layer 4: where each page was published, by Nextcloud file ID, so renamed pages keep their URLs.

A target keeps `.sitegen/page-history.json`: file ID -> every output path (`a/index.html`) the
page with that ID was published at, oldest first. A run reads it before building (the build
writes a redirect at each old place, compiler/moved.py) and writes it back after a publish with
the places of this build added (`merge`), so A -> B -> C keeps both A and B alive. IDs no longer
in the site (pages deleted) are dropped: their old places get no redirect.

The file sits beside the publish log, outside the manifest, and is written only when it changed.
It is not signed: it only names places to redirect from, and the build ignores any that would
lead outside the site (compiler/moved.py `is_page_output`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from sitegen.compiler.moved import OutputHistory, is_page_output
from sitegen.errors import PublishError
from sitegen.publish.manifest import STATE_DIR
from sitegen.publish.store import Store, StoreMissing
from sitegen.publish.webroot_files import write_atomic

PAGE_HISTORY_PATH = f"{STATE_DIR}/page-history.json"

PageHistory = dict[str, tuple[str, ...]]


def merge(history: OutputHistory, current: Mapping[str, str]) -> PageHistory:
    """The history after publishing `current` (file ID -> output path): each page's old places,
    then its place now if new. A place belongs to the last page published there (a new page at
    an old URL takes it over for good), so no place is in two pages' histories; pages gone from
    the site are dropped."""
    owner = {output: fid for fid, output in current.items()}
    seen: set[str] = set()
    out: PageHistory = {}
    for fid, output in sorted(current.items()):
        places = [p for p in dict.fromkeys(history.get(fid, ())) if owner.get(p, fid) == fid]
        if output not in places:
            places.append(output)
        out[fid] = tuple(p for p in places if p not in seen)
        seen.update(places)
    return out


def encode(history: OutputHistory) -> bytes:
    doc = {"version": 1, "pages": {fid: list(places) for fid, places in history.items()}}
    return json.dumps(doc, sort_keys=True, indent=0).encode() + b"\n"


def decode(data: bytes, where: str = PAGE_HISTORY_PATH) -> PageHistory:
    """The history in a target's file; places that are not pages of the site are left out."""
    try:
        pages = json.loads(data)["pages"]
        if not isinstance(pages, dict):
            raise TypeError("pages must be a table")
        return {
            str(fid): tuple(p for p in places if isinstance(p, str) and is_page_output(p))
            for fid, places in pages.items()
            if isinstance(places, list)
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError.at(
            where,
            getattr(exc, "lineno", None),
            f"unreadable page history: {exc} (delete it to start a new one: old URLs of "
            "pages renamed before then no longer redirect)",
        ) from exc


def read_from_store(store: Store) -> PageHistory:
    try:
        data = store.read(PAGE_HISTORY_PATH)
    except StoreMissing:
        return {}  # never published, or published before page histories
    return decode(data, f"{store.label}/{PAGE_HISTORY_PATH}")


def read_from_folder(root: Path) -> PageHistory:
    path = root / PAGE_HISTORY_PATH
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise PublishError(f"{path}: cannot read the page history: {exc}") from None
    return decode(data, str(path))


def write_to_folder(root: Path, history: OutputHistory) -> None:
    write_atomic(root / PAGE_HISTORY_PATH, encode(history))
