"""Build-time syntax highlighting, heading anchors and page.toc."""

from __future__ import annotations

from sitegen.render.highlight import highlight_blocks, lexer_for
from tests.conftest import SiteBuilder

CODE = "# T\n\n## Use it\n\n```python\nif a < b:\n    print('x')\n```\n\n```\nplain < text\n```\n\n```nosuchlang\nkeep\n```\n"


def test_fenced_code_with_a_language_is_highlighted(sb: SiteBuilder) -> None:
    sb.build({"_layout.html": "{{ content }}", "a.md": CODE})
    html = sb.read("a/index.html")
    assert '<div class="highlight"><pre><span></span><code><span class="k">if</span>' in html
    assert '<span class="o">&lt;</span>' in html
    assert "<pre><code>plain &lt; text\n</code></pre>" in html  # no language: left alone
    assert '<pre><code class="language-nosuchlang">keep' in html  # unknown language: left alone


def test_highlighting_can_be_switched_off(sb: SiteBuilder) -> None:
    sb.build({"sitegen.toml": "highlight = false", "_layout.html": "{{ content }}", "a.md": CODE})
    assert 'class="highlight"' not in sb.read("a/index.html")


def test_python_markdown_engine_is_highlighted_too(sb: SiteBuilder) -> None:
    sb.build(
        {
            "sitegen.toml": 'markdown_engine = "python-markdown"',
            "_layout.html": "{{ content }}",
            "a.md": CODE,
        }
    )
    assert '<span class="k">if</span>' in sb.read("a/index.html")


def test_lexer_is_looked_up_once_per_language() -> None:
    lexer_for.cache_clear()
    for _ in range(3):
        highlight_blocks('<pre><code class="language-go">package main\n</code></pre>')
    assert lexer_for.cache_info().misses == 1


def test_heading_anchor_and_toc(sb: SiteBuilder) -> None:
    sb.build(
        {
            "_layout.html": "{% for t in page.toc %}{{ t.level }}:{{ t.id }}:{{ t.title }} {% endfor %}|{{ content }}",
            "a.md": CODE,
        }
    )
    html = sb.read("a/index.html")
    assert html.startswith("1:t:T 2:use-it:Use it |")
    assert (
        '<h2 id="use-it">Use it<a class="anchor" href="#use-it" '
        'aria-label="Link to section: Use it">#</a></h2>'
    ) in html
    assert '<h1 id="t">T</h1>' in html  # the page title gets no anchor
