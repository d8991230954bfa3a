"""`sitegen new --theme NAME` gives a working site for every bundled theme: it builds, its
links check, and a theme with a search box gets the index its search reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.compiler.tree import bundled_themes_dir

THEMES = sorted(p.name for p in bundled_themes_dir().iterdir() if p.is_dir())


def sitegen(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), prog_name="sitegen")
    return r.exit_code, r.stdout, r.stderr


def searches(theme: str) -> bool:
    """A theme with a search box says so in its theme.toml (`search = true`)."""
    toml = bundled_themes_dir() / theme / "theme.toml"
    return toml.is_file() and tomllib.loads(toml.read_text()).get("search") is True


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
    index = out / "search-index"
    if searches(theme):
        assert any("Hello, world" in f.read_text() for f in index.glob("*.json"))
    else:
        assert not index.exists()
