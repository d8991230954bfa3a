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


# A process running `sitegen --version` through the console script's entry, with an atexit
# function and an object freed only when the interpreter is torn down.
QUICK_EXIT = """
import atexit, sys, threading, time
class Teardown:
    def __del__(self):
        sys.stderr.write("torn down\\n")
kept = Teardown()
atexit.register(lambda: sys.stderr.write("atexit ran\\n"))
if len(sys.argv) > 1:  # a thread still writing a file when the command is done
    def late(path: str) -> None:
        time.sleep(0.3)
        with open(path, "w") as f:
            f.write("written")
    threading.Thread(target=late, args=(sys.argv[1],)).start()
sys.argv = ["sitegen", "--version"]
from sitegen.cli.process import run
run()
"""


def test_the_process_ends_without_tearing_the_interpreter_down() -> None:
    """The command's output and atexit functions are done; the teardown (~0.1 s of an edit
    build) is skipped."""
    r = subprocess.run([sys.executable, "-c", QUICK_EXIT], capture_output=True, text=True)
    assert r.returncode == 0 and __version__ in r.stdout
    assert r.stderr == "atexit ran\n"  # not "torn down"


def test_the_process_waits_for_a_thread_still_running(tmp_path: Path) -> None:
    marker = tmp_path / "late"
    args = [sys.executable, "-c", QUICK_EXIT, str(marker)]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0 and __version__ in r.stdout
    assert marker.read_text() == "written"
    assert "atexit ran" in r.stderr
