"""The shipped theme's compiled templates are kept in the user's cache folder, so a site's first
build need not compile them; that folder's code runs only when no one else can write there."""

from __future__ import annotations

import io
import marshal
import pickle
from pathlib import Path

import jinja2
import pytest
from jinja2.bccache import bc_magic

from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import snapshot, write_tree

PAGES = {"index.md": "---\ntitle: Home\n---\nHello.\n", "about.md": "# About\n\nText.\n"}


def _store(cache: Path) -> Path:
    (store,) = (cache / "sitegen").glob("jinja-trusted-*")
    return store


def _forge(store: Path) -> None:
    """Swap the code of every kept template for code printing FORGED, under each one's own
    checksum (what anyone able to write the folder could do)."""
    code = jinja2.Environment().compile("FORGED", name="forged")
    for kept in store.glob("*.cache"):
        f = io.BytesIO(kept.read_bytes())
        assert f.read(len(bc_magic)) == bc_magic
        checksum = pickle.load(f)
        kept.write_bytes(bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(code))


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def test_a_first_build_uses_the_theme_compiled_for_another_site(
    tmp_path: Path, cache: Path
) -> None:
    build_site(write_tree(tmp_path / "a", PAGES), tmp_path / "a-out")
    assert sorted(_store(cache).glob("*.cache"))  # the theme's layout and partials
    _forge(_store(cache))
    build_site(write_tree(tmp_path / "b", PAGES), tmp_path / "b-out")
    assert (tmp_path / "b-out" / "index.html").read_bytes() == b"FORGED"  # read from the store


def test_a_store_others_may_write_to_is_not_read(tmp_path: Path, cache: Path) -> None:
    build_site(write_tree(tmp_path / "a", PAGES), tmp_path / "a-out")
    _forge(_store(cache))
    _store(cache).chmod(0o777)
    site = write_tree(tmp_path / "b", PAGES)
    build_site(site, tmp_path / "b-out")
    build_site(site, tmp_path / "clean", BuildOptions(clean=True))
    assert snapshot(tmp_path / "b-out") == snapshot(tmp_path / "clean")


def test_a_clean_build_neither_reads_nor_writes_the_store(tmp_path: Path, cache: Path) -> None:
    build_site(write_tree(tmp_path / "a", PAGES), tmp_path / "a-out", BuildOptions(clean=True))
    assert not list(cache.glob("sitegen/jinja-*"))
