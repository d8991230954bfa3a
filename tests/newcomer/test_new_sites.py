"""`sitegen new --theme NAME` gives a working site for every bundled theme: it builds, its
links check, and a theme with a search box gets the index its search reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.build.tree import bundled_themes_dir
from sitegen.cli import main

THEMES = sorted(p.name for p in bundled_themes_dir().iterdir() if p.is_dir())


def sitegen(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), prog_name="sitegen")
    return r.exit_code, r.stdout, r.stderr


def searches(theme: str) -> bool:
    files = (bundled_themes_dir() / theme).rglob("*")
    return any(
        "search-index.json" in f.read_text(errors="replace")
        for f in files
        if f.suffix in (".html", ".js")
    )


def test_the_docs_theme_has_a_search_box() -> None:
    assert "docs" in THEMES and searches("docs")


@pytest.mark.parametrize("theme", THEMES)
def test_a_new_site_builds_checks_and_searches(theme: str, tmp_path: Path) -> None:
    site, out = tmp_path / "site", tmp_path / "public"
    code, stdout, _ = sitegen("new", str(site), "--theme", theme)
    assert (code, stdout) == (0, f"created {site}; build it with: sitegen build {site}\n")
    code, stdout, err = sitegen("build", str(site), "-o", str(out))
    assert code == 0, err
    code, _, err = sitegen("check", str(site))
    assert code == 0 and err.splitlines()[-1].endswith(": all good"), err
    index = out / "search-index.json"
    if searches(theme):
        assert "Hello, world" in index.read_text()
    else:
        assert not index.exists()
