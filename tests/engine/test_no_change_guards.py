"""What the no-change build must still notice (compiler/stamp.py), and what it must not load."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from array import array
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sitegen
from sitegen.compiler import stamp
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.compiler.stamp import Stamp, inputs_key
from sitegen.compiler.tree import SourceFile, disk_paths, overlay, walk
from sitegen.model import is_ignored
from tests.conftest import NOW
from tests.engine.test_incremental import SITE
from tests.trees import snapshot, write_tree


def opts(**kw: object) -> BuildOptions:
    return BuildOptions(now=NOW, jobs=1, **kw)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def fresh_files_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamp, "RACY_NS", 0)  # tests edit files and build within milliseconds


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    assert build_site(site, out, opts()).unchanged
    return site, out


def test_a_deleted_output_file_is_built_again(built: tuple[Path, Path]) -> None:
    site, out = built
    clean = snapshot(out)
    (out / "about/index.html").unlink()
    assert not build_site(site, out, opts()).unchanged
    assert snapshot(out) == clean


def test_a_file_added_deep_in_the_output_is_removed(built: tuple[Path, Path]) -> None:
    site, out = built
    clean = snapshot(out)
    (out / "about/stray.txt").write_text("not sitegen's")
    assert not build_site(site, out, opts()).unchanged
    assert snapshot(out) == clean


def test_a_renamed_input_builds_again(built: tuple[Path, Path]) -> None:
    site, out = built
    os.rename(site / "about.md", site / "team.md")  # same size, times and inode
    assert not build_site(site, out, opts()).unchanged
    assert (out / "team/index.html").is_file() and not (out / "about").exists()


def test_a_theme_edit_builds_again(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site",
        {
            "sitegen.toml": 'theme = "mine"\n',
            "index.md": "Home.",
            "themes/mine/_layout.html": "<b>{{ content }}</b>",
        },
    )
    out = tmp_path / "out"
    build_site(site, out, opts())
    assert build_site(site, out, opts()).unchanged
    (site / "themes/mine/_layout.html").write_text("<i>{{ content }}</i>")
    assert not build_site(site, out, opts()).unchanged
    assert (out / "index.html").read_text().startswith("<i>")


def test_an_output_inside_the_site_is_no_input(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = site / "public"
    build_site(site, out, opts())
    assert "public/about/index.html" not in walk(site, [out])
    assert build_site(site, out, opts()).unchanged


def test_a_held_back_page_coming_due_builds_again(built: tuple[Path, Path]) -> None:
    _, out = built
    last = Stamp.load(out)
    assert last is not None
    due = dt.datetime(2026, 7, 1)
    held = Stamp(last.key, last.pages, last.assets, due, last.files, last.folders, last.signatures)
    assert held.still_holds(last.key, out, due - dt.timedelta(seconds=1))
    assert not held.still_holds(last.key, out, due)


def test_the_key_changes_with_the_day_and_the_settings(tmp_path: Path) -> None:
    page = write_tree(tmp_path, {"a.md": "A"}) / "a.md"
    files = [("a.md", str(page))]
    day = dt.datetime(2026, 6, 1, 23, 59, tzinfo=dt.timezone.utc)
    key = inputs_key(files, "s", day)
    assert key == inputs_key(files, "s", day.replace(hour=0))
    assert key != inputs_key(files, "s", day + dt.timedelta(minutes=1))
    assert key != inputs_key(files, "t", day)
    assert key != inputs_key([("b.md", str(page))], "s", day)


def test_a_stamp_of_another_format_or_broken_is_not_trusted(built: tuple[Path, Path]) -> None:
    site, out = built
    file = stamp.stamp_file(out)
    raw = json.loads(file.read_text())
    one_short = base64.b64encode(base64.b64decode(raw["signatures"])[:-8]).decode()
    file.write_text(json.dumps({**raw, "signatures": one_short}))
    assert Stamp.load(out) is None
    file.write_text(json.dumps({**raw, "signatures": raw["signatures"][:-2]}))
    assert Stamp.load(out) is None
    file.write_text(json.dumps({**raw, "format": 1}))
    assert Stamp.load(out) is None
    assert not build_site(site, out, opts()).unchanged


def test_the_overlay_gives_each_file_from_its_nearest_layer(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {"a.md": "", "b/c.md": ""})
    base = write_tree(tmp_path / "base", {"a.md": "", "x.css": "", "_layout.html": ""})
    mine = write_tree(tmp_path / "mine", {"x.css": "", "y.js": ""})
    files = overlay(site, walk(site), [("mine", mine), ("base", base)])
    assert dict(files) == {
        "_layout.html": SourceFile(
            "_layout.html", base / "_layout.html", "themes/base/_layout.html", True
        ),
        "a.md": SourceFile("a.md", site / "a.md", "a.md", False),
        "b/c.md": SourceFile("b/c.md", site / "b/c.md", "b/c.md", False),
        "x.css": SourceFile("x.css", mine / "x.css", "themes/mine/x.css", True),
        "y.js": SourceFile("y.js", mine / "y.js", "themes/mine/y.js", True),
    }
    assert list(files) == sorted(files) and "zz" not in files and len(files) == 5
    assert disk_paths(files) == [(sf.display, str(sf.path)) for sf in files.values()]
    assert disk_paths(dict(files)) == disk_paths(files)


# What a no-change build may not import: the render stages, YAML, the sources' HTTP and WebDAV.
HEAVY = ("yaml", "jinja2", "pyromark", "markdown", "pygments", "rich", "httpx", "sass")
HEAVY_PARTS = ("sitegen.render", "sitegen.sources", "sitegen.webdav", "sitegen.compiler.cliwrite")

CLI_BUILD = """
import json, sys
from sitegen.compiler import stamp
stamp.RACY_NS = 0  # the site was written just now
from sitegen.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def cli_build(site: Path, out: Path) -> list[str]:
    """Build `site` into `out` in a new `sitegen build` process; the modules it imported."""
    env = {**os.environ, "PYTHONPATH": str(Path(sitegen.__file__).parent.parent)}
    args = [sys.executable, "-c", CLI_BUILD, "build", str(site), "-o", str(out), "-q"]
    run = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    assert not run.stderr, run.stderr
    return list(json.loads(run.stdout))


def test_a_no_change_build_imports_none_of_the_heavy_modules(tmp_path: Path) -> None:
    pages = {"index.md": "# Home", "about.md": "About.", "posts/a.md": "---\ntitle: A\n---\nA"}
    site = write_tree(tmp_path / "site", pages)  # in the default theme
    out = tmp_path / "out"

    assert "jinja2" in cli_build(site, out)  # the first build renders
    written = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    modules = cli_build(site, out)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == written  # no change
    heavy = [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY_PARTS)]
    assert heavy == []


def test_an_edit_of_a_page_without_code_does_not_import_pygments(tmp_path: Path) -> None:
    """Highlighting is on and another page has a code block: an edit build that renders only
    the edited page (and the lists) has no block to highlight, and Pygments stays unimported."""
    code = "---\ntitle: Code\n---\n```python\nprint(1)\n```\n"
    pages = {"index.md": "# Home", "posts/code.md": code, "posts/a.md": "---\ntitle: A\n---\nA"}
    site = write_tree(tmp_path / "site", pages)
    out = tmp_path / "out"

    assert "pygments" in cli_build(site, out)  # the first build highlights the block
    assert 'class="highlight"' in (out / "posts/code/index.html").read_text()
    (site / "posts/a.md").write_text("---\ntitle: A\n---\nA, edited.")
    modules = cli_build(site, out)
    assert "A, edited." in (out / "posts/a/index.html").read_text()
    assert "jinja2" in modules and "pygments" not in modules


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(-(2**63), 2**63 - 1))
def test_a_signature_fits_the_stamp_and_keeps_inodes_apart(ino: int, other: int, ns: int) -> None:
    def sig(inode: int) -> array[int]:
        fake = SimpleNamespace(st_size=7, st_mtime_ns=ns, st_ctime_ns=ns, st_ino=inode)
        return array("q", stamp._sig(fake))  # type: ignore[arg-type]

    assert (sig(ino) == sig(other)) == (ino == other)


def test_a_stamp_holds_outputs_of_any_inode_number(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out = built

    class HighInodes:  # os, with inode numbers using the top bit, as some file systems do
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        def lstat(self, path: str) -> object:
            st = os.lstat(path)
            keep = ("st_size", "st_mtime_ns", "st_ctime_ns")
            return SimpleNamespace(**{f: getattr(st, f) for f in keep}, st_ino=st.st_ino | 2**63)

    monkeypatch.setattr(stamp, "os", HighInodes())
    stamp.Stamp.forget(out)
    assert not build_site(site, out, opts()).unchanged
    assert build_site(site, out, opts()).unchanged
    (out / "about/index.html").write_text("tampered with")
    assert not build_site(site, out, opts()).unchanged


NAMES = st.sampled_from(
    ["a", "b.md", ".git", ".attachments.12", ".attachments.x", "Thumbs.db", "c~", "d.swp", "_e"]
)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.lists(NAMES, min_size=1, max_size=3).map("/".join), max_size=12))
def test_walk_lists_what_is_ignored_says(tmp_path_factory, rels: set[str]) -> None:
    root = tmp_path_factory.mktemp("walk")
    for rel in sorted(rels, key=len, reverse=True):  # deepest first: a file never blocks a folder
        if not (root / rel).exists():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(rel)
    files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    # a file is listed when neither it nor a folder it is in is ignored (a folder is as a file)
    parts = {f: f.split("/") for f in files}
    listed = [
        f
        for f in files
        if not any(is_ignored("/".join(parts[f][:n])) for n in range(1, len(parts[f]) + 1))
    ]
    assert walk(root) == sorted(listed)


def test_a_kept_file_that_cannot_be_written_leaves_the_old_one_and_no_litter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compiler/keptfile.py: whole or not at all, and never an exception."""
    from sitegen.compiler import keptfile

    target = tmp_path / "kept" / "stamp.json"
    assert keptfile.keep(target, "old")
    real = os.replace

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keptfile.os, "replace", full_disk)
    assert not keptfile.keep(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["stamp.json"]
    monkeypatch.setattr(keptfile.os, "replace", real)
    assert keptfile.keep(target, b"new") and target.read_bytes() == b"new"
