"""Compiled templates are kept beside the output after a build that succeeded, and a template
edited since is compiled again: the output is the clean build's."""

from __future__ import annotations

from pathlib import Path

from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import snapshot, write_tree

LAYOUT = "<title>{{ page.title }}</title>{% include '_partials/foot.html' %}{{ content }}"


def test_kept_templates_are_used_and_an_edited_one_compiles_again(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site",
        {
            "_layout.html": LAYOUT,
            "_partials/foot.html": "<footer>one</footer>",
            "index.md": "---\ntitle: Home\n---\nHello.\n",
        },
    )
    out = tmp_path / "out"
    build_site(site, out)
    kept = sorted((tmp_path / ".sitegen").glob("jinja-sandbox-*/*.cache"))
    assert len(kept) == 2  # the layout and the partial
    (site / "_partials/foot.html").write_text("<footer>two</footer>", encoding="utf-8")
    build_site(site, out)
    clean = tmp_path / "clean"
    build_site(site, clean, BuildOptions(clean=True))
    assert snapshot(out) == snapshot(clean)
    assert b"<footer>two</footer>" in (out / "index.html").read_bytes()
