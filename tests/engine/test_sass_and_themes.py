"""Sass through libsass, and themes overlaid path by path."""

from __future__ import annotations

from tests.conftest import SiteBuilder

LAYOUT = {"_layout.html": "<main>{{ content }}</main>"}


def test_scss_compiles_with_partials_and_include_paths(sb: SiteBuilder) -> None:
    sb.build(
        {
            **LAYOUT,
            "css/site.scss": '@import "palette";\n@import "mixins/box";\nbody { color: $ink; @include box; }\n',
            "css/_palette.scss": "$ink: #123456;\n",
            "_sass/mixins/_box.scss": "@mixin box { padding: 1px; }\n",
            "sitegen.toml": "",
        }
    )
    assert sb.outputs() == ["css/site.css"]
    css = sb.read("css/site.css")
    assert "color: #123456" in css and "padding: 1px" in css


def test_default_theme_when_site_has_no_layout(sb: SiteBuilder) -> None:
    sb.build({"index.md": "---\ntitle: Hi\n---\nHello", "sitegen.toml": 'title = "My site"'})
    html = sb.read("index.html")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "Hello" in html and "My site" in html
    assert "css/theme.css" in sb.outputs()


def test_site_files_overlay_the_theme(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'theme = "default"',
            "_partials/footer.html": "<footer>OUR FOOTER</footer>",
            "index.md": "x",
        }
    )
    assert "OUR FOOTER" in sb.read("index.html")


def test_site_theme_folder(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'theme = "mine"',
            "themes/mine/_layout.html": "mine:{{ content }}",
            "index.md": "x",
        }
    )
    assert sb.read("index.html") == "mine:<p>x</p>\n"


def test_site_with_own_layout_gets_no_theme_files(sb: SiteBuilder) -> None:
    sb.build({**LAYOUT, "index.md": "x"})
    assert sb.outputs() == ["index.html"]


def test_site_themes_folder_is_not_output(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'theme = "mine"',
            "themes/mine/_layout.html": "{{ content }}",
            "themes/mine/css/t.css": "p{}",
            "index.md": "x",
        }
    )
    assert sb.outputs() == ["css/t.css", "index.html"]


def test_a_theme_extends_another_path_by_path(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'theme = "child"',
            "themes/base/_layout.html": "base:{{ partial('who') }}:{{ content }}",
            "themes/base/_partials/who.html": "base-who",
            "themes/base/css/a.css": "base",
            "themes/child/theme.toml": 'extends = "base"',
            "themes/child/_partials/who.html": "child-who",
            "index.md": "x",
        }
    )
    assert sb.read("index.html") == "base:child-who:<p>x</p>\n"
    assert sb.outputs() == ["css/a.css", "index.html"]
