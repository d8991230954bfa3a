"""The stylesheets a build compiled are kept beside the output (compiler/stylecache.py): the
next build compiles only when a file the stylesheet read, or could now read, changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.compiler.pipeline import build_site
from sitegen.render import sass
from tests.engine.test_stages import clean_build, opts, settle
from tests.trees import snapshot, write_tree

SITE = {
    "_layout.html": "<link href='/css/main.css'>{{ content }}",
    "index.md": "Home",
    "about.md": "About",
    "css/main.scss": '@import "colors";\nbody { color: $ink; }\n',
    "_sass/_colors.scss": "$ink: #111;\n",
}


def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stylesheets the next builds compile with libsass."""
    seen: list[str] = []
    real = sass.compile_scss

    def spy(file: Path, display: str, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        seen.append(display)
        return real(file, display, *args, **kwargs)

    monkeypatch.setattr(sass, "compile_scss", spy)
    return seen


def built(tmp_path: Path) -> tuple[Path, Path]:
    site = write_tree(tmp_path / "site", SITE)
    settle()  # older than the racy window: the build keeps what it compiles
    out = tmp_path / "out"
    build_site(site, out, opts())
    return site, out


def rebuild(site: Path, out: Path, tmp_path: Path) -> None:
    build_site(site, out, opts())
    assert snapshot(out) == clean_build(site, tmp_path)


def test_a_page_edit_compiles_no_stylesheet(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    site, out = built(tmp_path)
    seen = compiled(monkeypatch)
    (site / "about.md").write_text("About, edited")
    build_site(site, out, opts())
    assert seen == []
    assert "#111" in (out / "css/main.css").read_text()


@pytest.mark.parametrize(
    "written",
    [
        "_sass/_colors.scss",  # a file the last compile imported
        # `@import "colors"` looks beside the stylesheet before `_sass/`: a new file there wins,
        # though no file the last compile read has changed
        "css/_colors.scss",
    ],
)
def test_a_change_to_what_an_import_finds_compiles_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    site, out = built(tmp_path)
    seen = compiled(monkeypatch)
    (site / written).write_text("$ink: #222;\n")
    rebuild(site, out, tmp_path)
    assert seen[0] == "css/main.scss"
    assert "#222" in (out / "css/main.css").read_text()


def test_a_stylesheet_that_does_not_compile_is_reported_every_build(tmp_path: Path) -> None:
    site, out = built(tmp_path)
    (site / "css/main.scss").write_text("body { color: $missing; }\n")
    settle()
    for _ in range(2):
        with pytest.raises(Exception, match=r"css/main\.scss:1: sass"):
            build_site(site, out, opts())
