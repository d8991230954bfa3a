"""Compiled templates kept beside the output (`.sitegen/jinja-*`) are code: a folder co-authors
can write to must not be able to make a build run theirs. A kept file counts only under the
MAC of the user's cache key (compiler/cachekey.py); anything else is compiled again."""

from __future__ import annotations

import io
import marshal
import pickle
from pathlib import Path

import jinja2
from jinja2.bccache import bc_magic

from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import snapshot, write_tree

SITE = {
    "_layout.html": "<title>{{ page.title }}</title>{{ content }}",
    "index.md": "---\ntitle: Home\n---\nHello.\n",
}


def forge(kept: Path) -> None:
    """Keep the file's checksum, put code printing FORGED after it, as Jinja writes one."""
    raw = kept.read_bytes()
    start = raw.index(bc_magic)  # whatever sitegen puts before Jinja's own header stays
    f = io.BytesIO(raw[start + len(bc_magic) :])
    checksum = pickle.load(f)
    code = jinja2.Environment().compile("FORGED", name="forged")
    kept.write_bytes(raw[:start] + bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(code))


def test_a_forged_kept_template_is_not_run(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out)
    kept = sorted((tmp_path / ".sitegen").glob("jinja-sandbox-*/*.cache"))
    assert kept
    for file in kept:
        forge(file)
    (site / "index.md").write_text("---\ntitle: Home\n---\nHello again.\n", encoding="utf-8")
    build_site(site, out)
    build_site(site, tmp_path / "clean", BuildOptions(clean=True))
    assert b"FORGED" not in (out / "index.html").read_bytes()
    assert snapshot(out) == snapshot(tmp_path / "clean")
