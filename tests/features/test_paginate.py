"""Pagination of a section by a listing page: `paginate: posts`, `per_page`."""

from __future__ import annotations

import pytest

from tests.conftest import SiteBuilder

LISTING = (
    "{{ paginator.page }}/{{ paginator.pages }} of {{ paginator.total }}"
    "[{% for p in paginator.items %}{{ p.slug }} {% endfor %}]"
    "prev={{ paginator.prev_url }} next={{ paginator.next_url }} all={{ paginator.urls | join(',') }}"
)


def site(n: int, per_page: int = 2, extra: str = "") -> dict[str, str]:
    files = {
        "_layout.html": "{% if paginator %}" + LISTING + "{% else %}{{ content }}{% endif %}",
        "posts/index.md": f"---\npaginate: posts\nper_page: {per_page}\n{extra}---\nAll posts",
    }
    for i in range(1, n + 1):
        files[f"posts/2026-01-{i:02d}-p{i}.md"] = f"post {i}"
    return files


@pytest.mark.parametrize(("n", "pages"), [(0, 1), (1, 1), (2, 1), (3, 2)])
def test_edges_zero_one_exactly_per_page_and_one_more(sb: SiteBuilder, n: int, pages: int) -> None:
    sb.build(site(n))
    listing = [o for o in sb.outputs() if o.startswith("posts/page/")]
    assert len(listing) == pages - 1
    first = sb.read("posts/index.html")
    assert first.startswith(f"1/{pages} of {n}")
    assert "prev=None" in first
    assert ("next=/posts/page/2/" in first) == (pages > 1)


def test_items_newest_first_split_across_pages(sb: SiteBuilder) -> None:
    sb.build(site(5))
    assert sb.read("posts/index.html") == (
        "1/3 of 5[p5 p4 ]prev=None next=/posts/page/2/ all=/posts/,/posts/page/2/,/posts/page/3/"
    )
    assert sb.read("posts/page/2/index.html").startswith(
        "2/3 of 5[p3 p2 ]prev=/posts/ next=/posts/page/3/"
    )
    assert sb.read("posts/page/3/index.html").startswith(
        "3/3 of 5[p1 ]prev=/posts/page/2/ next=None"
    )


def test_site_default_per_page_and_html_urls(sb: SiteBuilder) -> None:
    files = site(3)
    files["posts/index.md"] = "---\npaginate: posts\n---\nx"
    files["sitegen.toml"] = 'per_page = 1\nurls = "html"'
    sb.build(files)
    assert "posts/page/2.html" in sb.outputs() and "posts/page/3.html" in sb.outputs()
    assert "next=/posts/page/2.html" in sb.read("posts/index.html")


def test_unknown_section_is_reported_at_its_line(sb: SiteBuilder) -> None:
    errors = sb.errors(
        {
            "_layout.html": "x",
            "posts/a.md": "a",
            "index.md": "---\ntitle: Home\npaginate: post\n---\n",
        }
    )
    assert errors == ["index.md:3: paginate: no section 'post' (sections: posts)"]


def test_bad_per_page_is_reported_at_its_line(sb: SiteBuilder) -> None:
    errors = sb.errors(
        {
            "_layout.html": "x",
            "posts/a.md": "a",
            "index.md": "---\npaginate: posts\nper_page: 0\n---\n",
        }
    )
    assert errors == ["index.md:3: per_page: must be a whole number above 0"]


def test_page_that_collides_with_a_paginated_page(sb: SiteBuilder) -> None:
    files = site(3, per_page=1)
    files["posts/page/2.md"] = "mine"
    errors = sb.errors(files)
    assert errors == [
        "posts/page/2.md:1: output collision: writes posts/page/2/index.html, "
        "which pagination of posts/index.md writes too"
    ]
