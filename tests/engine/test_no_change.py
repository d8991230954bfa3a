"""The no-change build: when no input changed since the last build of the same output and the
output is as that build left it, a build reads, parses and renders nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.compiler import load, stamp
from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import NOW
from tests.engine.test_incremental import EDITS, SITE
from tests.trees import apply_edit, snapshot, write_tree


def opts(**kw: object) -> BuildOptions:
    return BuildOptions(now=NOW, jobs=1, **kw)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def fresh_files_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests edit files and build within milliseconds; every edit here changes the file's size.
    monkeypatch.setattr(stamp, "RACY_NS", 0)


def no_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(sf: object) -> str:
        raise AssertionError(f"read {sf}")

    monkeypatch.setattr(load, "read_text", refuse)


def test_a_no_change_build_reads_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    first = build_site(site, out, opts())
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    with monkeypatch.context() as m:
        no_reads(m)
        again = build_site(site, out, opts())
    assert again.unchanged and not first.unchanged
    assert (again.pages, again.assets, again.outputs) == (first.pages, first.assets, first.outputs)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_an_edit_builds_again(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    (site / "about.md").write_text("About us, and more.")
    assert not build_site(site, out, opts()).unchanged
    assert "and more" in (out / "about/index.html").read_text()


def test_a_changed_output_is_built_again(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    clean = snapshot(out)
    (out / "about/index.html").write_text("tampered with")
    (out / "stray.txt").write_text("not sitegen's")
    assert not build_site(site, out, opts()).unchanged
    assert snapshot(out) == clean


def test_other_options_build_again(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    assert not build_site(site, out, opts(drafts=True)).unchanged
    assert not build_site(site, out, opts()).unchanged  # drafts=True was the last build
    assert not build_site(site, out, opts(clean=True)).unchanged
    assert build_site(site, out, opts()).unchanged


def test_a_file_changed_just_now_is_not_trusted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(stamp, "RACY_NS", 3600 * 10**9)  # every file is "just changed"
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    assert not build_site(site, out, opts()).unchanged


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(EDITS, min_size=1, max_size=4))
def test_stamped_builds_equal_clean_builds(tmp_path_factory, edits) -> None:
    tmp = tmp_path_factory.mktemp("stamp")
    site = write_tree(tmp / "site", SITE)
    out = tmp / "out"
    build_site(site, out, opts())
    for n, (rel, text) in enumerate(edits):
        # a length of its own for every edit: a same-size rewrite within one clock tick is the
        # one change file times cannot show (RACY_NS guards against it outside tests)
        apply_edit(site, rel, None if text is None else text + " " * (n + 1) * 7)
        build_site(site, out, opts())
        # the stamp the edit's build left holds (the folders it wrote in were looked at again)
        assert build_site(site, out, opts()).unchanged
        clean = tmp / f"clean{n}"
        build_site(site, clean, opts(clean=True))
        assert snapshot(out) == snapshot(clean)
