"""One test per page convention of SITE-FORMAT.md: URLs, dates, private files, drafts, titles;
the templates are in test_layouts_and_partials.py, links and data in test_links_and_data.py."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sitegen.model import is_private
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


def test_python_markdown_engine(sb: SiteBuilder, plain) -> None:
    files = plain(**{"index.md": "# T\n\n| a |\n|---|\n| 1 |\n\n~~s~~\n\n- [x] done\n"})
    files["sitegen.toml"] = 'markdown_engine = "python-markdown"'
    sb.build(files)
    html = sb.read("index.html")
    assert '<h1 id="t">T</h1>' in html and "<td>1</td>" in html and "<del>s</del>" in html
    assert 'class="task-list-item"' in html


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


@given(st.lists(st.text(alphabet="_a./", max_size=4), min_size=1, max_size=4).map("/".join))
def test_a_path_is_private_when_any_segment_starts_with_an_underscore(rel: str) -> None:
    assert is_private(rel) == any(seg.startswith("_") for seg in rel.split("/"))
