"""Helpers for the publish tests: output trees and a server that can be killed (the WebDAV
servers themselves are tests/webdav/webdav_servers.py's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import trees
from tests.trees import Files


def write_tree(root: Path, files: Files) -> Path:
    """A built output tree from a dict of files (replacing whatever was there)."""
    return trees.write_tree(root, files, replace=True)


def paged_site(n: int, pages: int = 40) -> dict[str, str | bytes]:
    """A site of `pages` pages of 2 KB; publish `n` changes page 0."""
    files: dict[str, str | bytes] = {"css/site.css": "body{}"}
    for i in range(pages):
        body = f"<link href='../css/site.css'>page {i} v{n if i == 0 else 0} " + "x" * 2000
        files[f"p/{i:03d}.html"] = body
    return files


class Killable:
    """WSGI middleware: after `budget` more requests the server is dead (every later request
    gets a 503 and reaches nothing), which leaves the served folder as a killed server would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.budget: int | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.budget is not None:
            if self.budget <= 0:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            self.budget -= 1
        return self.app(environ, start_response)
