"""SITE-FORMAT.md's links between pages and its data: relative links, data files, globals."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SiteBuilder


def test_relative_links_between_pages_become_urls(sb: SiteBuilder, plain) -> None:
    sb.build(
        plain(
            **{
                "posts/2026-05-01-a.md": "[b](2026-05-02-b.md#part) [home](../index.md) [up](../) "
                "[web](https://x.org/a.md) [top](#t) ![i](../img/x%20y.png)",
                "posts/2026-05-02-b.md": "b",
                "index.md": "",
            }
        )
    )
    html = sb.read("posts/a/index.html")
    assert '<a href="/posts/b/#part">b</a>' in html
    assert '<a href="/">home</a>' in html
    assert '<a href="/">up</a>' in html
    assert '<a href="https://x.org/a.md">web</a>' in html
    assert '<a href="#t">top</a>' in html
    assert '<img src="/img/x%20y.png" alt="i" />' in html


def test_links_out_of_the_site_are_not_followed(sb: SiteBuilder, plain, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("machine secret")
    sb.write(plain(index="x", **{"img/inside.txt": "ok"}))
    (sb.site / "leak.txt").symlink_to(secret)
    (sb.site / "alias.txt").symlink_to(sb.site / "img/inside.txt")
    (sb.site / "_partials").mkdir()
    (sb.site / "_partials/secret.html").symlink_to(secret)
    sb.build()
    assert sb.outputs() == ["alias.txt", "img/inside.txt", "index.html"]
    errors = sb.errors({"_layout.html": "{{ partial('secret') }}"})
    assert errors == [
        "_layout.html:1: partial not found: 'secret' (looked for _partials/secret.html)"
    ]


def test_links_find_files_whatever_their_unicode_form(sb: SiteBuilder, plain) -> None:
    """macOS writes decomposed names (NFD); a link typed elsewhere is composed (NFC)."""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "café")
    sb.build(
        plain(
            **{
                "index.md": "[menu](café.md) ![photo](img/café.png)",
                f"{nfd}.md": "menu",
                f"img/{nfd}.png": b"png",
            }
        )
    )
    html = sb.read("index.html")
    from urllib.parse import quote

    assert f'<a href="{quote("/" + nfd + "/")}">menu</a>' in html
    assert f'<img src="{quote("/img/" + nfd + ".png")}" alt="photo" />' in html


def test_folder_data_keyed_by_slug(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{{ page.title }}/{{ page.meta.author }}",
            "posts/_data.yaml": "hello:\n  title: From data\n  author: Ann\n",
            "posts/2026-05-01-hello.md": "---\nauthor: Bob\n---\nx",
            "articles/_data.json": json.dumps({"intro": {"title": "Harp style", "author": "Cy"}}),
            "articles/intro.md": "x",
        }
    )
    assert sb.read("posts/hello/index.html") == "From data/Bob"
    assert sb.read("articles/intro/index.html") == "Harp style/Cy"


def test_site_data_folder(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{{ data.authors.ann.name }} {{ data.team.members|length }} {{ data.cfg.x }}",
            "_data/authors.yaml": "ann:\n  name: Ann\n",
            "_data/team/members.json": "[1, 2, 3]",
            "_data/cfg.toml": "x = 5",
            "index.md": "",
        }
    )
    assert sb.read("index.html") == "Ann 3 5"


def test_globals_from_toml_and_harp_json(sb: SiteBuilder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYTICS_ID", "UA-42")
    sb.build(
        {
            "sitegen.toml": 'title = "T"\n[globals]\nowner = "Ann"\n',
            "harp.json": json.dumps({"globals": {"owner": "Harp", "analytics": "$ANALYTICS_ID"}}),
            "_layout.html": "{{ site.title }} {{ site.owner }} {{ site.analytics }}",
            "index.md": "",
        }
    )
    assert sb.read("index.html") == "T Ann UA-42"
