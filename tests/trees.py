"""Folders of files from dicts and back: the one place the tests write and read trees.

write_tree(tmp / "site", {"index.md": "# Home", "img/": None})   # None: an empty folder
snapshot(tmp / "out")     # {"index.html": b"..."}: compare whole trees in one assert
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

Files = Mapping[str, "str | bytes | None"]


def write_tree(root: Path, files: Files, *, replace: bool = False) -> Path:
    """Write `files` below root (str as UTF-8, None as an empty folder); with `replace`, root
    holds exactly these files afterwards (as a fresh build output would)."""
    if replace and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def apply_edit(root: Path, rel: str, text: str | None) -> None:
    """Write a file below root, or delete it (text None), as an author editing the site would."""
    path = root / rel
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below root with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_tree(root: Path) -> dict[str, bytes | None]:
    """Files (and empty folders, as None) below root, keyed by POSIX relative path."""
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file():
            out[rel] = path.read_bytes()
        elif path.is_dir() and not any(path.iterdir()):
            out[rel] = None
    return out
