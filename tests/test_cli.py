"""The `sitegen` command as a user runs it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from sitegen import __version__
from sitegen.cli import main
from sitegen.compiler.ownership import mark_owned
from tests.trees import snapshot, write_tree


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True, text=True)


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_build_prints_a_summary(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "s", {"_layout.html": "{{ content }}", "index.md": "x", "a.png": b"png"}
    )
    r = run("build", str(site), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("built 1 pages, 1 assets in ")
    assert (tmp_path / "out" / "index.html").read_text() == "<p>x</p>\n"


def test_build_error_exits_1_without_traceback(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "s", {"_layout.html": "{{ nope }}", "index.md": "x"})
    out = write_tree(tmp_path / "out", {"index.html": "old"})
    mark_owned(out)  # a previous build's output
    r = run("build", str(site), "-o", str(out))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "_layout.html:1: undefined variable: 'nope' is undefined",
        "build failed: 1 error",
    ]
    assert "Traceback" not in r.stderr
    assert snapshot(out) == {"index.html": b"old"}


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "s", {"_layout.html": "{{ nope }}", "index.md": "x"})
    r = run("build", str(site), "-o", str(tmp_path / "out"), "-v")
    assert r.returncode == 1 and "Traceback" in r.stderr


def test_missing_site_folder(tmp_path: Path) -> None:
    r = run("build", str(tmp_path / "nope"), "-o", str(tmp_path / "out"))
    assert r.returncode == 1 and r.stderr.strip() == f"error: {tmp_path / 'nope'}: no such folder"


def test_new_scaffolds_a_site_that_builds(tmp_path: Path) -> None:
    r = run("new", str(tmp_path / "site"), "--title", "Garden club")
    assert r.returncode == 0, r.stderr
    r = run("build", str(tmp_path / "site"), "-o", str(tmp_path / "out"), "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert "Garden club" in (tmp_path / "out" / "index.html").read_text()
    assert (tmp_path / "out" / "404.html").exists()


def test_new_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    write_tree(tmp_path / "site", {"x.md": ""})
    r = run("new", str(tmp_path / "site"))
    assert r.returncode == 1 and "exists and is not empty" in r.stderr


def test_example_site_builds(tmp_path: Path) -> None:
    example = Path(__file__).parent.parent / "content-example"
    r = run("build", str(example), "-o", str(tmp_path / "public"))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "public"
    assert (out / "index.html").exists() and (out / "about" / "index.html").exists()
    assert (out / "404.html").exists()
    assert len(list((out / "posts").glob("*/index.html"))) >= 3
