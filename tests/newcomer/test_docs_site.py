"""The documentation is a sitegen site of its own (docs/, the docs theme): it builds, every
page of docs/ is in it, and `sitegen check` finds no broken link, anchor or image."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sitegen.cli import main
from tests.trees import snapshot

DOCS = Path(__file__).resolve().parents[2] / "docs"


def sitegen(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), prog_name="sitegen")
    return r.exit_code, r.stdout, r.stderr


def test_the_docs_build_as_a_site_with_every_page_and_search(tmp_path: Path) -> None:
    before = snapshot(DOCS)
    code, _, err = sitegen("build", str(DOCS), "-o", str(tmp_path / "public"))
    assert code == 0, err
    pages = {p.stem for p in DOCS.glob("*.md")} - {"index"}
    assert "getting-started" in pages
    for page in pages:
        assert (tmp_path / "public" / page / "index.html").is_file(), page
    index = tmp_path / "public/search-index"  # the docs theme's sharded search index
    assert any(
        "Getting started: from a Nextcloud folder" in f.read_text() for f in index.glob("*.json")
    )
    assert snapshot(DOCS) == before  # building reads the docs, writes nothing beside them


def test_the_docs_have_no_broken_links() -> None:
    code, _, err = sitegen("check", str(DOCS))
    assert code == 0, err
    assert err.splitlines()[-1].endswith(": all good")
