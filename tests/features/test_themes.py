"""The blog and docs themes on the example sites: pages, landmarks, links, and the docs search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.compiler.check import check_site
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.render.environments import Trusted
from tests.conftest import NOW, SiteBuilder
from tests.servers.static import serve_folder

REPO = Path(__file__).resolve().parent.parent.parent


def built(tmp_path: Path, example: str) -> Path:
    out = tmp_path / "out"
    build_site(REPO / example, out, BuildOptions(now=NOW))
    return out


@pytest.mark.parametrize("example", ["content-example", "docs-example"])
def test_examples_have_no_broken_links(example: str) -> None:
    report = check_site(REPO / example, BuildOptions(now=NOW))
    assert [str(d) for d in report.problems] == []


@pytest.mark.parametrize("example", ["content-example", "docs-example"])
def test_every_page_has_landmarks_and_one_h1(tmp_path: Path, example: str) -> None:
    out = built(tmp_path, example)
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        where = page.relative_to(out)
        assert '<a class="skip-link" href="#main">' in html, where
        assert '<main id="main"' in html and "<header" in html and "<footer" in html, where
        assert html.count("<h1") == 1, where


def test_blog_theme_pages(tmp_path: Path) -> None:
    out = built(tmp_path, "content-example")
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "Recent posts" in home and 'href="/feed.xml"' in home
    assert '<a class="tag" href="/tags/sitegen/">' in home
    listing = (out / "posts/index.html").read_text(encoding="utf-8")
    assert '<nav class="pagination" aria-label="Pages">' in listing
    assert (out / "posts/page/2/index.html").exists()
    assert "archive-year" in (out / "archive/index.html").read_text(encoding="utf-8")
    assert "term-cloud" in (out / "tags/index.html").read_text(encoding="utf-8")


def test_docs_theme_pages(tmp_path: Path) -> None:
    out = built(tmp_path, "docs-example")
    page = (out / "guide/assets/index.html").read_text(encoding="utf-8")
    assert 'aria-current="page">Assets and code</a>' in page  # sidebar marks the page
    assert '<nav class="page-toc"' in page and 'href="#fingerprints"' in page
    assert 'rel="prev"' in page and 'href="/guide/blogs/"' in page
    assert 'rel="next"' in page and 'href="/reference/"' in page
    assert '<div class="highlight">' in page
    assert (out / "search-index/meta.json").exists()


@pytest.fixture
def docs_server(tmp_path: Path) -> Iterator[str]:
    out = built(tmp_path, "docs-example")
    with serve_folder(out) as url:
        yield url


def test_docs_search_with_the_keyboard(docs_server: str, chromium: Any) -> None:
    page = chromium.new_page()
    try:
        page.goto(docs_server + "/guide/content/")
        page.keyboard.press("/")
        page.keyboard.type("fingerprint")
        page.wait_for_selector("#search-results a")
        first = page.locator("#search-results a").first
        assert "Assets and code" in first.inner_text()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url("**/guide/assets/")
    finally:
        page.close()


@pytest.mark.parametrize("theme", ["default", "blog", "docs"])
def test_a_body_with_its_own_h1_is_not_given_a_second(sb: SiteBuilder, theme: str) -> None:
    """A page whose body starts with `# Title` has that one h1; a page without gets the title."""
    settings = "" if theme == "default" else f'theme = "{theme}"\n'
    sb.build(
        {
            "sitegen.toml": settings + 'title = "Site"\n',
            "own.md": "# Its own title\n\nText.\n\n## A part\n",
            "plain.md": "---\ntitle: Given\nhide_title: false\n---\nText.\n\n## A part\n",
        }
    )
    own, plain = sb.read("own/index.html"), sb.read("plain/index.html")
    assert own.count("<h1") == 1 and "Its own title</h1>" in own
    assert plain.count("<h1") == 1 and "<h1>Given</h1>" in plain


@given(st.lists(st.integers(min_value=1, max_value=6), max_size=8))
def test_the_layouts_h1_test_answers_as_the_filter_chain_it_replaced(levels: list[int]) -> None:
    toc = [{"level": level, "id": "x", "title": "t"} for level in levels]
    env = Trusted(autoescape=True)
    now = env.from_string('{{ 1 in toc | map(attribute="level") }}').render(toc=toc)
    before = env.from_string('{{ toc | selectattr("level", "equalto", 1) | list | length > 0 }}')
    assert now == before.render(toc=toc)
