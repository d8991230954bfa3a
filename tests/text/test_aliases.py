"""`aliases:` front matter: old URLs of a page answer with a redirect to its new one."""

from __future__ import annotations

from sitegen.compiler.aliases import alias_output
from tests.conftest import SiteBuilder

LAYOUT = {"_layout.html": "<main>{{ content }}</main>"}


def test_aliases_make_redirect_pages(sb: SiteBuilder) -> None:
    sb.build(
        {
            **LAYOUT,
            "sitegen.toml": 'base_url = "https://example.org/wiki/"\n',
            "guide/install.md": "---\naliases:\n  - /setup/\n  - old-install.html\n"
            "  - /docs/install\n---\n# Install\n",
        }
    )
    page = sb.read("setup/index.html")
    target = "https://example.org/wiki/guide/install/"
    assert f'<link rel="canonical" href="{target}">' in page
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert sb.read("guide/old-install.html") == page
    assert sb.read("docs/install/index.html") == page


def test_an_alias_cannot_replace_a_page_or_leave_the_site(sb: SiteBuilder) -> None:
    msgs = sb.errors(
        {
            **LAYOUT,
            "about.md": "# About\n",
            "new.md": "---\ntitle: New\naliases: [/about/, ../../etc/x]\n---\nbody\n",
        }
    )
    assert msgs == [
        "new.md:3: aliases: ../../etc/x leads outside the site",
        "new.md:3: aliases: /about/ would replace about/index.html, which the site already writes",
    ]


def test_aliases_must_be_paths(sb: SiteBuilder) -> None:
    msgs = sb.errors({**LAYOUT, "p.md": "---\ntitle: P\naliases: {a: 1}\n---\nx\n"})
    assert msgs == ["p.md:3: aliases: must be a list of paths"]


def test_alias_outputs() -> None:
    assert alias_output("/old/", "blog") == "old/index.html"
    assert alias_output("/old", "blog") == "old/index.html"
    assert alias_output("old.html", "blog") == "blog/old.html"
    assert alias_output("../x/", "blog") == "x/index.html"
    assert alias_output("../../x/", "blog") is None
    assert alias_output("/", "") == "index.html"
