"""Taxonomies: a page per term and an index, with the theme's layouts or a generated list."""

from __future__ import annotations

from tests.conftest import SiteBuilder

LAYOUT = "<main>{{ content }}</main>"


def post(title: str, date: str, tags: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\n{extra}---\n{title} body\n"


def test_term_pages_and_index_with_generated_lists(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": LAYOUT,
            "posts/a.md": post("Alpha", "2026-01-01", "Python, web"),
            "posts/b.md": post("Beta", "2026-02-01", "python"),
        }
    )
    assert "tags/index.html" in sb.outputs()
    assert {"tags/python/index.html", "tags/web/index.html"} <= set(sb.outputs())
    index = sb.read("tags/index.html")
    # "Python" and "python" are one term, named as the newest page writes it
    assert '<a href="/tags/python/">python</a> <span class="count">(2)</span>' in index
    term = sb.read("tags/python/index.html")
    # newest first
    assert term.index("Beta") < term.index("Alpha")


def test_custom_taxonomy_with_theme_layouts(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'taxonomies = ["tags", "categories"]\nbase_url = "/sub/"',
            "_layout.html": LAYOUT,
            "_layouts/term.html": "{{ page.meta.taxonomy }}/{{ page.meta.term }}:"
            "{% for p in paginator.items %}{{ p.title }};{% endfor %}",
            "_layouts/terms.html": "{% for t in page.meta.terms %}{{ t.name }}={{ url(t.url) }}({{ t.count }}) "
            "{% endfor %}",
            "a.md": post("A", "2026-01-01", "x", "categories: Howto\n"),
            "b.md": post("B", "2026-01-02", "x", "categories: [Howto, News]\n"),
        }
    )
    assert (
        sb.read("categories/index.html")
        == "Howto=/sub/categories/howto/(2) News=/sub/categories/news/(1) "
    )
    assert sb.read("categories/howto/index.html") == "categories/Howto:B;A;"
    assert sb.read("tags/x/index.html") == "tags/x:B;A;"


def test_templates_link_terms_through_site_taxonomies(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{% for t in page.tags %}{{ site.taxonomies.tags[t].url }} {% endfor %}",
            "a.md": post("A", "2026-01-01", "Release Notes"),
        }
    )
    assert sb.read("a/index.html") == "/tags/release-notes/ "


def test_no_tags_no_tag_pages(sb: SiteBuilder) -> None:
    sb.build({"_layout.html": LAYOUT, "a.md": "hello"})
    assert sb.outputs() == ["a/index.html"]


def test_generated_pages_stay_out_of_site_pages(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{{ site.pages | length }}",
            "a.md": post("A", "2026-01-01", "x"),
        }
    )
    assert sb.read("tags/index.html") == "1"


def test_term_page_collides_with_a_site_page(sb: SiteBuilder) -> None:
    errors = sb.errors(
        {
            "_layout.html": LAYOUT,
            "a.md": post("A", "2026-01-01", "x"),
            "tags/x.md": "mine",
        }
    )
    assert errors == [
        "tags/x.md:1: output collision: writes tags/x/index.html, which the tags taxonomy writes too"
    ]


def test_bad_taxonomies_setting(sb: SiteBuilder) -> None:
    errors = sb.errors({"sitegen.toml": 'title = "t"\ntaxonomies = "tags"\n', "a.md": "x"})
    assert errors == [
        "sitegen.toml:2: taxonomies: "
        'expected a list of lower-case names (like ["tags", "categories"]), got "tags"'
    ]


def test_generated_lists_escape_every_title_whatever_it_holds(sb: SiteBuilder) -> None:
    # the rows are escaped together, joined by NUL: a title holding one must not shift them
    sb.build(
        {
            "_layout.html": LAYOUT,
            "a.md": '---\ntitle: "A\\0B <x>"\ndate: 2026-01-02\ntags: [t]\n---\nA\n',
            "b.md": post("B & C", "2026-01-01", "t"),
        }
    )
    term = sb.read("tags/t/index.html")
    assert '<a href="/a/">A\x00B &lt;x&gt;</a>' in term
    assert '<a href="/b/">B &amp; C</a> <time datetime="2026-01-01">2026-01-01</time>' in term
