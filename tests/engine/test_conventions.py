"""One test per site convention of SITE-FORMAT.md."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SiteBuilder


def test_markdown_page_gets_pretty_url(sb: SiteBuilder, plain) -> None:
    sb.build(plain(index="# Home", about="About us", posts__hello="Hi"))
    assert sb.outputs() == ["about/index.html", "index.html", "posts/hello/index.html"]
    assert sb.read("about/index.html") == "<main><p>About us</p>\n</main>"


def test_html_urls_give_harp_output(sb: SiteBuilder, plain) -> None:
    files = plain(**{"index.md": "x", "about.md": "y", "sitegen.toml": 'urls = "html"'})
    files["_layout.html"] = "{{ page.url }}"
    sb.build(files)
    assert sb.outputs() == ["about.html", "index.html"]
    assert sb.read("about.html") == "/about.html"


def test_section_index_and_404(sb: SiteBuilder, plain) -> None:
    sb.build(plain(**{"posts/index.md": "list", "404.md": "gone", "docs/404.md": "not special"}))
    assert sb.outputs() == ["404.html", "docs/404/index.html", "posts/index.html"]


def test_date_and_slug_from_file_name(sb: SiteBuilder, plain) -> None:
    files = plain(**{"posts/2026-05-01-hello.md": "x"})
    files["_layout.html"] = "{{ page.date }} {{ page.slug }} {{ page.url }}"
    sb.build(files)
    assert sb.read("posts/hello/index.html") == "2026-05-01 hello /posts/hello/"


def test_front_matter_date_wins_over_file_name(sb: SiteBuilder, plain) -> None:
    files = plain(**{"posts/2026-05-01-hello.md": "---\ndate: 2025-01-02\n---\nx"})
    files["_layout.html"] = "{{ page.date }}"
    sb.build(files)
    assert sb.read("posts/hello/index.html") == "2025-01-02"


def test_underscore_files_and_folders_are_private(sb: SiteBuilder, plain) -> None:
    sb.build(
        plain(
            **{
                "index.md": "x",
                "_draft.md": "no",
                "_partials/nav.html": "n",
                "_notes/a.md": "no",
                "img/_raw.png": b"\x89PNG",
                "img/logo.png": b"\x89PNG",
                ".hidden": "no",
                "file.txt~": "no",
            }
        )
    )
    assert sb.outputs() == ["img/logo.png", "index.html"]


def test_nearest_layout_wraps_a_page(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "root:{{ content }}",
            "posts/_layout.html": "posts:{{ content }}",
            "index.md": "a",
            "posts/x.md": "b",
            "posts/deep/y.md": "c",
        }
    )
    assert sb.read("index.html") == "root:<p>a</p>\n"
    assert sb.read("posts/x/index.html") == "posts:<p>b</p>\n"
    assert sb.read("posts/deep/y/index.html") == "posts:<p>c</p>\n"


def test_layout_override_and_false(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "root:{{ content }}",
            "_layouts/wide.html": "wide:{{ content }}",
            "a.md": "---\nlayout: wide\n---\na",
            "b.md": "---\nlayout: false\n---\nb",
            "_special.html": "special:{{ content }}",
            "c.md": "---\nlayout: special\n---\nc",
        }
    )
    assert sb.read("a/index.html") == "wide:<p>a</p>\n"
    assert sb.read("b/index.html") == "<p>b</p>\n"
    assert sb.read("c/index.html") == "special:<p>c</p>\n"


def test_layouts_extend_each_other(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_base.html": "<b>{% block main %}{% endblock %}</b>",
            "_layout.html": "{% extends '_base.html' %}{% block main %}{{ content }}{% endblock %}",
            "index.md": "x",
        }
    )
    assert sb.read("index.html") == "<b><p>x</p>\n</b>"


def test_partial_with_locals(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{{ partial('nav', active='home') }}|{{ content }}",
            "_partials/nav.html": "nav:{{ active }}:{{ page.title }}",
            "index.md": "---\ntitle: T\n---\nx",
        }
    )
    assert sb.read("index.html") == "nav:home:T|<p>x</p>\n"


def test_harp_current(sb: SiteBuilder) -> None:
    layout = "{{ current.path|join('/') }}|{{ current.source }}"
    sb.build({"_layout.html": layout, "index.md": "", "articles/hello-world.md": ""})
    assert sb.read("index.html") == "index|index"
    assert sb.read("articles/hello-world/index.html") == "articles/hello-world|hello-world"


def test_base_url_is_honoured(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'base_url = "https://example.org/blog/"',
            "_layout.html": "{{ url('/about/') }} {{ url('css/a.css') }}|{{ content }}",
            "index.md": "[about](about.md) ![p](img/p.png)",
            "about.md": "",
        }
    )
    assert sb.read("index.html") == (
        '/blog/about/ /blog/css/a.css|<p><a href="/blog/about/">about</a> '
        '<img src="/blog/img/p.png" alt="p" /></p>\n'
    )


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


def test_html_page_is_a_template_with_front_matter(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "L:{{ content }}",
            "list.html": "---\ntitle: List\n---\n{% for p in site.pages|sort(attribute='url') %}{{ p.url }};{% endfor %}",
            "full.html": "<!doctype html><p>{{ page.title }}</p>",
            "a.md": "",
        }
    )
    assert sb.read("list/index.html") == "L:/a/;/full/;/list/;"
    assert sb.read("full/index.html") == "<!doctype html><p>Full</p>"


def test_title_falls_back_to_first_heading(sb: SiteBuilder) -> None:
    sb.build(
        {"_layout.html": "{{ page.title }}", "note.md": "Intro\n\n# Shopping list\n", "a-b.md": ""}
    )
    assert sb.read("note/index.html") == "Shopping list"
    assert sb.read("a-b/index.html") == "A b"


def test_drafts_and_future_pages(sb: SiteBuilder, plain) -> None:
    files = plain(
        **{
            "draft.md": "---\ndraft: true\n---\n",
            "later.md": "---\npublish_date: 2027-01-01\n---\n",
            "posts/2030-01-01-future.md": "",
            "gone.md": "---\nexpiry_date: 2026-01-01\n---\n",
            "now.md": "",
        }
    )
    result = sb.build(files)
    assert sb.outputs() == ["now/index.html"]
    assert result.next_due is not None and result.next_due.year == 2027
    sb.build(drafts=True, future=True)
    assert sb.outputs() == [
        "draft/index.html",
        "later/index.html",
        "now/index.html",
        "posts/future/index.html",
    ]


def test_strict_false_relaxes_undefined(sb: SiteBuilder) -> None:
    sb.build({"sitegen.toml": "strict = false", "_layout.html": "[{{ nope }}]", "index.md": ""})
    assert sb.read("index.html") == "[]"


def test_autoescape_keeps_content_html(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{{ page.title }}|{{ content }}",
            "index.md": "---\ntitle: A & <b>\n---\n*x*",
        }
    )
    assert sb.read("index.html") == "A &amp; &lt;b&gt;|<p><em>x</em></p>\n"


def test_python_markdown_engine(sb: SiteBuilder, plain) -> None:
    files = plain(**{"index.md": "# T\n\n| a |\n|---|\n| 1 |\n\n~~s~~\n\n- [x] done\n"})
    files["sitegen.toml"] = 'markdown_engine = "python-markdown"'
    sb.build(files)
    html = sb.read("index.html")
    assert '<h1 id="t">T</h1>' in html and "<td>1</td>" in html and "<del>s</del>" in html
    assert 'class="task-list-item"' in html


def test_partial_takes_a_local_called_name(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{{ partial('card', name='Ann') }}",
            "_partials/card.html": "card:{{ name }}",
            "index.md": "",
        }
    )
    assert sb.read("index.html") == "card:Ann"


def test_dict_keys_shadowing_nothing_and_methods_keep_jinja_semantics(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{{ data.menu.title }}|{{ data.menu.items is callable }}|{{ data.menu['items'] }}",
            "_data/menu.yaml": "title: Main\nitems: [a, b]\n",
            "index.md": "",
        }
    )
    assert sb.read("index.html") == "Main|True|[&#39;a&#39;, &#39;b&#39;]"


def test_summaries_in_listings(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{% for p in site.sections['posts'] %}[{{ p.summary }}]{% endfor %}",
            "posts/a.md": "---\ndate: 2026-01-03\nsummary: Given & said\n---\nBody.",
            "posts/b.md": "---\ndate: 2026-01-02\n---\n# B\n\nFirst [link](a.md).\n\nSecond.",
            "posts/c.md": "---\ndate: 2026-01-01\n---\nOne.\n\nTwo.\n<!-- more -->\nThree.",
        }
    )
    assert sb.read("posts/a/index.html") == (
        '[Given &amp; said][First <a href="/posts/a/">link</a>.][<p>One.</p>\n<p>Two.</p>]'
    )


def test_rebuilding_the_same_output_again_and_again(sb: SiteBuilder, plain) -> None:
    """The replaced tree is removed in the background; the next build must not trip over it."""
    sb.write(plain(index="x"))
    for n in range(4):
        sb.write({"index.md": f"build {n}"})
        sb.build()
        assert sb.read("index.html") == f"<main><p>build {n}</p>\n</main>"


def test_exclude_patterns_leave_files_out(sb: SiteBuilder, plain) -> None:
    files = plain(
        **{
            "index.md": "x",
            "drafts/idea.md": "not yet",
            "notes/a.md": "private",
            "report.docx": b"PK",
            "keep/report.txt": "ok",
        }
    )
    files["sitegen.toml"] = 'exclude = ["drafts", "*.docx", "notes/*"]'
    sb.build(files)
    assert sb.outputs() == ["index.html", "keep/report.txt"]


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


def test_partials_cannot_climb_out_of_the_site(sb: SiteBuilder) -> None:
    errors = sb.errors({"_layout.html": "{{ partial('../../etc/passwd') }}", "index.md": ""})
    assert errors == [
        "_layout.html:1: partial not found: '../../etc/passwd' (looked for _partials/../../etc/passwd.html)"
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
