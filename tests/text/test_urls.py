"""Valid URLs: pages whose names need escaping are linked escaped; `check` reports bad URLs."""

from __future__ import annotations

from sitegen.compiler.check import check_site
from sitegen.compiler.pipeline import BuildOptions
from tests.conftest import NOW, SiteBuilder

LAYOUT = {"_layout.html": '<nav><a href="{{ page.url }}">self</a></nav><main>{{ content }}</main>'}


def test_a_page_named_100_percent_is_linked_escaped(sb: SiteBuilder) -> None:
    sb.build(
        {
            **LAYOUT,
            "100%.md": "# All\n",
            "my notes.md": "# Notes\n",
            "index.md": "[all](100%25.md) [notes](my%20notes.md) [file](<files/50% off.txt>)\n",
            "files/50% off.txt": "x",
        }
    )
    assert "100%/index.html" in sb.outputs()
    home = sb.read("index.html")
    assert '<a href="/100%25/">all</a>' in home
    assert '<a href="/my%20notes/">notes</a>' in home
    assert '<a href="/files/50%25%20off.txt">file</a>' in home
    assert '<a href="/100%25/">self</a>' in sb.read("100%/index.html")


def test_check_passes_escaped_urls_and_notes_the_page_name(sb: SiteBuilder) -> None:
    sb.write({**LAYOUT, "100%.md": "# All\n", "index.md": "[all](100%25.md)\n"})
    report = check_site(sb.site, BuildOptions(now=NOW))
    assert report.problems == []
    assert (
        "100%.md: the name holds '%', which a URL must escape: the page is at /100%25/; "
        "a name of letters, digits and '-' is safer"
    ) in report.notes


def test_check_reports_invalid_urls_at_their_line(sb: SiteBuilder) -> None:
    sb.write(
        {
            **LAYOUT,
            "index.md": '# Home\n\n<a href="/100%/">raw</a>\n\n<img src="https://x.org/a b.png">\n',
            "100%.md": "# All\n",
            "a b.png": b"\x89PNG",
        }
    )
    report = check_site(sb.site, BuildOptions(now=NOW))
    assert [str(d) for d in report.problems] == [
        "index.md:3: invalid URL: /100%/ (an unescaped '%'; write it as %25)",
        "index.md:5: invalid URL: https://x.org/a b.png (a space; write it as %20)",
    ]
