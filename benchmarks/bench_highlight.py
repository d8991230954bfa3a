#!/usr/bin/env python3
"""Highlighting alone: every fenced code block of a corpus through `highlight_blocks`, no cache.

Each block is given as the Markdown engines write it (`<pre><code class="language-X">`, escaped).
The lexers are looked up before the blocks are highlighted, and `--setup-only` stops there, so
the instructions of highlighting are a callgrind run minus a `--setup-only` run. `--pygments`
formats with Pygments' HtmlFormatter instead of `codehtml.format_html`, for a comparison:

    python make_corpus.py -n 4000 --seed 42 --out /tmp/hlcorpus --layout plain
    valgrind --tool=callgrind --callgrind-out-file=/tmp/hl.cg \
        python benchmarks/bench_highlight.py /tmp/hlcorpus [--setup-only] [--pygments]

`--quick` (CI): the blocks of the bundled example sites, that the benchmark still runs.
"""

from __future__ import annotations

import argparse
import html
import re
import time
from pathlib import Path

import pygments

from sitegen.render import highlight
from sitegen.render.codehtml import FORMATTER
from sitegen.render.highlight import highlight_blocks, load_lexers

EXAMPLES = Path(__file__).resolve().parents[1]
# A fence with a language, its code, and the closing fence of the same kind
_FENCE = re.compile(r"^(`{3,}|~{3,})[ \t]*([\w+#.-]+)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)


def blocks(root: Path) -> tuple[list[str], list[str]]:
    """The Markdown sources under root, and their fenced blocks as rendered HTML."""
    sources = [path.read_text(encoding="utf-8") for path in sorted(root.rglob("*.md"))]
    found = [
        f'<pre><code class="language-{m.group(2)}">{html.escape(m.group(3))}</code></pre>'
        for text in sources
        for m in _FENCE.finditer(text)
    ]
    return sources, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, nargs="?", help="a corpus (default: the examples)")
    parser.add_argument("--quick", action="store_true", help="the bundled examples, for CI")
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument("--pygments", action="store_true", help="Pygments' HtmlFormatter")
    args = parser.parse_args()
    if args.pygments:
        highlight.format_html = lambda tokens: pygments.format(tokens, FORMATTER)
    if args.root is None and not args.quick:
        parser.error("give a corpus folder, or --quick")
    roots = [args.root] if args.root else [EXAMPLES / "content-example", EXAMPLES / "docs-example"]
    sources, found = [], []
    for root in roots:
        more_sources, more_found = blocks(root)
        sources += more_sources
        found += more_found
    load_lexers(sources)
    if args.setup_only:
        return
    start = time.perf_counter()
    size = sum(len(highlight_blocks(block)) for block in found)
    took = time.perf_counter() - start
    print(f"{len(found)} blocks, {size} bytes of HTML, {took:.3f} s")


if __name__ == "__main__":
    main()
