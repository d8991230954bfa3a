"""The output folder can never be the site, hold it, or be a folder of someone else's files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.compiler.incremental import IncrementalBuilder
from sitegen.compiler.ownership import OutputError
from tests.trees import snapshot, write_tree

SITE = {"_layout.html": "{{ content }}", "index.md": "# Home", "posts/a.md": "# A"}


def everything(root: Path) -> dict[str, bytes]:
    """Every file below root, hidden ones too (the staging folders and .sitegen records)."""
    return snapshot(root)


def sitegen(cwd: Path, *args: str) -> tuple[int, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.output


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    write_tree(tmp_path / "site", SITE)
    return tmp_path


def test_output_that_is_the_site_is_refused(tmp: Path) -> None:
    before = everything(tmp)
    code, out = sitegen(tmp, "build", "site", "-o", "site")
    assert code == 1
    assert out == (
        "error: site: the output folder is the site's own folder; a build would replace the "
        "site's files. Build into a folder of its own, e.g. -o public\n"
    )
    assert everything(tmp) == before


def test_output_that_holds_the_site_is_refused(tmp: Path) -> None:
    (tmp / "notes.txt").write_text("mine")
    before = everything(tmp)
    code, out = sitegen(tmp / "site", "build", "-o", "..", "--replace-output")
    assert code == 1
    assert out == (
        "error: ..: the output folder holds the site (.); a build would replace it with the "
        "built pages. Build into a folder of its own, e.g. -o public\n"
    )
    assert everything(tmp) == before


def test_foreign_folder_is_refused_unless_told(tmp: Path) -> None:
    write_tree(tmp / "precious", {"a.txt": "1", "b.txt": "2", "c/d.txt": "3", "e": "4"})
    before = everything(tmp)
    code, out = sitegen(tmp, "build", "site", "-o", "precious")
    assert code == 1
    assert out == (
        "error: precious: the output folder holds 4 entries sitegen did not make (a.txt, b.txt, "
        "c, ...); a build would delete them. Build into a new or empty folder, or pass "
        "--replace-output to replace its contents\n"
    )
    assert everything(tmp) == before
    code, out = sitegen(tmp, "build", "site", "-o", "precious", "--replace-output")
    assert code == 0, out
    assert sorted(os.listdir(tmp / "precious")) == ["index.html", "posts"]
    code, out = sitegen(tmp, "build", "site", "-o", "precious")  # now it is sitegen's
    assert code == 0, out


def test_folder_inside_the_site_holding_its_files_is_refused_even_when_told(tmp: Path) -> None:
    before = everything(tmp)
    code, out = sitegen(tmp, "build", "site", "-o", "site/posts", "--replace-output")
    assert code == 1
    assert out == (
        "error: site/posts: the output folder is part of the site and holds files sitegen did "
        "not make; a build would replace them. Build into a new or empty folder\n"
    )
    assert everything(tmp) == before


def test_new_empty_and_own_outputs_build(tmp: Path) -> None:
    (tmp / "empty").mkdir()
    for out in ("new/public", "empty", "site/public"):
        code, text = sitegen(tmp, "build", "site", "-o", out)
        assert code == 0, text
        code, text = sitegen(tmp, "build", "site", "-o", out)  # again: its own output
        assert code == 0, text
        assert (tmp / out / "posts/a/index.html").is_file()
    assert (tmp / "site/.sitegen/public.output").is_file()


def test_a_folder_remade_by_hand_is_no_longer_sitegens(tmp: Path) -> None:
    assert sitegen(tmp, "build", "site", "-o", "out")[0] == 0
    os.rename(tmp / "out", tmp / "moved")
    write_tree(tmp / "out", {"photos/cat.jpg": b"jpg"})
    before = everything(tmp)
    code, out = sitegen(tmp, "build", "site", "-o", "out")
    assert (
        code == 1 and "holds 1 entry sitegen did not make (photos); a build would delete it" in out
    )
    assert everything(tmp) == before


def test_an_older_sitegens_output_is_recognised_by_its_cache(tmp: Path) -> None:
    write_tree(tmp, {"out/index.html": "old", ".sitegen/out.render-cache.json": "{}"})
    code, out = sitegen(tmp, "build", "site", "-o", "out")
    assert code == 0, out
    assert (tmp / "out/posts/a/index.html").is_file()


def test_an_output_that_is_a_file_is_refused(tmp: Path) -> None:
    (tmp / "out").write_text("a file")
    code, out = sitegen(tmp, "build", "site", "-o", "out")
    assert code == 2 and "'out' is a file" in out  # click's own check
    assert (tmp / "out").read_text() == "a file"


def test_the_preview_builder_passes_the_same_guard(tmp: Path) -> None:
    before = everything(tmp)
    with pytest.raises(OutputError, match="the output folder holds the site"):
        IncrementalBuilder(tmp / "site", tmp).build()
    assert everything(tmp) == before
    (tmp / "preview").mkdir()
    builder = IncrementalBuilder(tmp / "site", tmp / "preview")
    builder.build()
    builder.build()  # a second full build replaces its own output
    assert (tmp / "preview/index.html").is_file()


def test_check_builds_into_a_fresh_folder(tmp: Path) -> None:
    before = everything(tmp)
    code, out = sitegen(tmp, "check", "site")
    assert code == 0, out
    assert everything(tmp) == before
