"""`sitegen check`: planted broken links, anchors and images, reported at their source line."""

from __future__ import annotations

from click.testing import CliRunner

from sitegen.cli.check import check
from sitegen.compiler.check import check_site
from sitegen.compiler.pipeline import BuildOptions
from tests.conftest import NOW, SiteBuilder

GOOD = {
    "sitegen.toml": 'base_url = "https://example.org/docs/"',
    "_layout.html": '<nav><a href="{{ url("/") }}">Home</a></nav><main>{{ content }}</main>',
    "index.md": "# Home\n\n[Guide](guide.md#install) [top](#home) [ext](https://other.org/x)\n"
    "[abs](https://example.org/docs/guide/) ![logo](img/logo.svg)\n",
    "guide.md": "# Guide\n\n## Install\n\nSee [home](index.md).\n\n[ref]: index.md\n",
    "img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
}


def run(sb: SiteBuilder, files: dict[str, str]) -> list[str]:
    sb.write(files)
    report = check_site(sb.site, BuildOptions(now=NOW))
    return [str(d) for d in report.problems]


def test_a_good_site_has_no_problems(sb: SiteBuilder) -> None:
    assert run(sb, GOOD) == []


def test_planted_problems_are_reported_at_their_markdown_line(sb: SiteBuilder) -> None:
    files = {
        **GOOD,
        "posts/a.md": "---\ntitle: A\n---\n# A\n\nFine [guide](../guide.md).\n\n"
        "Broken [link](../nope.md) here.\n"
        "An [anchor](../guide.md#nowhere) and a [local one](#missing).\n"
        "![gone](../img/gone.png)\n"
        '<a href="/docs/absent/">raw</a>\n'
        "[later][r]\n\n[r]: ../also-missing/\n",
    }
    assert run(sb, files) == [
        "posts/a.md:8: broken link: /docs/nope.md",
        "posts/a.md:9: broken anchor: #missing (no id 'missing' in posts/a/index.html)",
        "posts/a.md:9: broken anchor: /docs/guide/#nowhere (no id 'nowhere' in guide/index.html)",
        "posts/a.md:10: missing image: /docs/img/gone.png",
        "posts/a.md:11: broken link: /docs/absent/",
        "posts/a.md:14: broken link: /docs/also-missing/",
    ]


def test_problems_from_the_layout_are_reported_once(sb: SiteBuilder) -> None:
    files = {**GOOD, "_layout.html": '<a href="{{ url("/missing/") }}">x</a>{{ content }}'}
    assert run(sb, files) == [
        "guide.md: broken link: /docs/missing/, from the page's layout or a partial (and 1 more pages)"
    ]


def test_cli_exit_status_and_output(sb: SiteBuilder) -> None:
    sb.write({**GOOD, "guide.md": "# Guide\n\n[x](nope.md)\n"})
    result = CliRunner().invoke(check, [str(sb.site)])
    assert result.exit_code == 1
    assert "guide.md:3: broken link: /docs/nope.md" in result.output
    sb.write({"guide.md": "# Guide\n\n## Install\n"})
    result = CliRunner().invoke(check, [str(sb.site), "-q"])
    assert result.exit_code == 0, result.output


def test_cli_reports_a_site_that_does_not_build(sb: SiteBuilder) -> None:
    sb.write({**GOOD, "guide.md": "---\ntitle: [x\n---\n"})
    result = CliRunner().invoke(check, [str(sb.site)])
    assert result.exit_code == 1
    assert "guide.md:2: front matter: invalid YAML" in result.output  # where the [ opens
