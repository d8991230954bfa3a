"""Pages renamed or moved in Nextcloud: the build writes redirects at the places the publish
history says they were published at (the history itself: tests/publish/test_renames.py)."""

from __future__ import annotations

from pathlib import Path

from sitegen.compiler.moved import is_page_output
from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.text.test_text_links import mirror

LAYOUT = {"_layout.html": "<main>{{ content }}</main>"}
TOML = {"sitegen.toml": 'base_url = "https://example.org/wiki/"\n'}
TARGET = "https://example.org/wiki/guide/install/"


def build(site: Path, out: Path, history: dict[str, tuple[str, ...]] | None) -> None:
    build_site(site, out, BuildOptions(history=history))


def test_old_places_of_a_moved_page_redirect_to_its_new_one(tmp_path: Path) -> None:
    files = {**LAYOUT, **TOML, "guide/install.md": "# Install\n", "about.md": "# About\n"}
    site = mirror(tmp_path, files, {"guide/install.md": "7", "about.md": "8"})
    history = {"7": ("setup/index.html", "install.html", "guide/install/index.html")}
    result = build_site(site, tmp_path / "out", BuildOptions(history=history))
    for old in ("setup/index.html", "install.html"):
        page = (tmp_path / "out" / old).read_text()
        assert f'<meta http-equiv="refresh" content="0; url={TARGET}">' in page
        assert f'<link rel="canonical" href="{TARGET}">' in page
    assert "<main>" in (tmp_path / "out/guide/install/index.html").read_text()
    assert result.page_outputs == {"7": "guide/install/index.html", "8": "about/index.html"}
    assert {"setup/index.html", "install.html"} <= set(result.outputs)


def test_a_real_page_or_alias_at_an_old_place_wins_without_a_word(tmp_path: Path) -> None:
    files = {
        **LAYOUT,
        "guide/install.md": "# Install\n",
        "setup.md": "# A new page where install used to be\n",
        "other.md": "---\naliases: [/old/]\n---\n# Other\n",
    }
    site = mirror(tmp_path, files, {"guide/install.md": "7", "setup.md": "9"})
    history = {"7": ("setup/index.html", "old/index.html")}
    build(site, tmp_path / "out", history)  # no error: the alias and the page take their places
    assert "A new page" in (tmp_path / "out/setup/index.html").read_text()
    assert "/other/" in (tmp_path / "out/old/index.html").read_text()


def test_deleted_pages_and_places_outside_the_site_get_no_redirect(tmp_path: Path) -> None:
    site = mirror(tmp_path, {**LAYOUT, "a.md": "# A\n"}, {"a.md": "1"})
    history = {
        "1": ("../escape.html", ".sitegen/x.html", "/abs.html", "a/../b.html", "data.json"),
        "2": ("gone/index.html",),  # its page was deleted
    }
    build(site, tmp_path / "out", history)
    held = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html")}
    assert held == {"mirror/site/_layout.html", "out/a/index.html"}


def test_a_local_folder_has_no_file_ids_and_so_no_redirects(tmp_path: Path) -> None:
    site = tmp_path / "local"
    (site / "guide").mkdir(parents=True)
    (site / "guide/install.md").write_text("# Install\n")
    result = build_site(site, tmp_path / "out", BuildOptions(history={"7": ("setup.html",)}))
    assert result.page_outputs == {}
    assert not (tmp_path / "out/setup.html").exists()


def test_redirects_are_the_same_bytes_from_a_clean_and_an_incremental_build(
    tmp_path: Path,
) -> None:
    files = {**LAYOUT, **TOML, "guide/install.md": "# Install\n", "b.md": "# B\n"}
    site = mirror(tmp_path, files, {"guide/install.md": "7"})
    history = {"7": ("setup/index.html",)}
    build(site, tmp_path / "clean", history)
    build(site, tmp_path / "incr", None)  # the output exists first, without the redirect
    (site / "b.md").write_text("# B, edited\n")
    build(site, tmp_path / "incr", history)
    assert (tmp_path / "incr/setup/index.html").read_bytes() == (
        tmp_path / "clean/setup/index.html"
    ).read_bytes()
    build(site, tmp_path / "incr", None)  # the history gone: its redirect goes with it
    assert not (tmp_path / "incr/setup/index.html").exists()


def test_the_history_is_part_of_what_a_no_change_build_compares(tmp_path: Path) -> None:
    site = mirror(tmp_path, {**LAYOUT, "a.md": "# A\n"}, {"a.md": "1"})
    build(site, tmp_path / "out", None)
    build(site, tmp_path / "out", {"1": ("old.html",)})
    assert (tmp_path / "out/old.html").is_file()


def test_page_output_places() -> None:
    assert is_page_output("a/index.html") and is_page_output("x.htm")
    for bad in ("", "/a.html", "../a.html", "a//b.html", "./a.html", ".sitegen/a.html", "a.css"):
        assert not is_page_output(bad), bad
