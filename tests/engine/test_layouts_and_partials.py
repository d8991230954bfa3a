"""SITE-FORMAT.md's template conventions: layouts, partials, HTML pages as templates, Jinja semantics."""

from __future__ import annotations

from tests.conftest import SiteBuilder


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


def test_partials_cannot_climb_out_of_the_site(sb: SiteBuilder) -> None:
    errors = sb.errors({"_layout.html": "{{ partial('../../etc/passwd') }}", "index.md": ""})
    assert errors == [
        "_layout.html:1: partial not found: '../../etc/passwd' (looked for _partials/../../etc/passwd.html)"
    ]
