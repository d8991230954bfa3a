"""Layer 2: Markdown to HTML, as Nextcloud's Text app writes it (CommonMark + GFM + callouts).

Engines sit behind one small interface, one module each, named in one registry (config's
MARKDOWN_ENGINES): pyromark (md_pyromark.py: pulldown-cmark, native, the default: about 0.1 ms a
page) and Python-Markdown (md_python_markdown.py: opt-in, for sites relying on its extensions).
Everything the engines do differently from what a site needs is done once here, on their HTML:
heading ids and the table of contents, callouts, and links between pages made URLs; and by the
registered Markdown transforms (markdown_transforms.py: GFM autolinks, which pulldown-cmark has
none of, footnote ids that cannot collide with heading ids, task-list classes, and any
extension).
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sitegen.config import MARKDOWN_ENGINES

from .markdown_headings import heading_ids, slugify
from .markdown_text import finish, prepare
from .markdown_transforms import on_html, on_text

__all__ = ["make_engine", "render_markdown", "slugify", "summary_markdown"]

if TYPE_CHECKING:
    from .highlight import HighlightCache

CALLOUT_KINDS = ("info", "success", "warn", "warning", "error", "danger", "note", "tip")

LinkResolver = Callable[[str], "str | None"]


class MarkdownEngine(Protocol):
    def __call__(self, text: str) -> str: ...


def make_engine(
    name: str,
    *,
    highlight: bool = False,
    highlight_cache: HighlightCache | None = None,
    raw_html: str = "allow",
) -> MarkdownEngine:
    """A Markdown engine from the registry (config's MARKDOWN_ENGINES: name -> module of this
    package with `make(raw_html)`); `highlight` colours fenced code blocks that name a language
    (Pygments), reusing what `highlight_cache` holds; `raw_html` is render/rawhtml.py's policy."""
    if name not in MARKDOWN_ENGINES:
        choices = ", ".join(MARKDOWN_ENGINES)
        raise ValueError(f"unknown Markdown engine {name!r}; choose one of {choices}")
    module = importlib.import_module(f"{__package__}.{MARKDOWN_ENGINES[name]}")
    engine: MarkdownEngine = module.make(raw_html)
    if raw_html != "allow":
        engine = _with_policy(engine, raw_html)
    if not highlight:
        return engine

    def render(text: str) -> str:
        out = engine(text)
        if 'code class="language-' not in out:
            return out
        # Pygments loads only once a block needs it: a rebuild of pages without code, never
        from .highlight import highlight_blocks

        return highlight_blocks(out, highlight_cache)

    return render


def _with_policy(engine: MarkdownEngine, policy: str) -> MarkdownEngine:
    from .rawhtml import apply_policy, neutralize_urls

    def render(text: str) -> str:
        return neutralize_urls(engine(apply_policy(text, policy)))

    return render


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: list[dict[str, Any]] = field(default_factory=list)


def render_markdown(
    text: str,
    engine: MarkdownEngine,
    resolve_link: LinkResolver | None = None,
    heading_style: str = "github",
) -> RenderedMarkdown:
    """Render one page body. Pure: the same text, engine and resolver give the same HTML.
    `heading_style` is render/markdown_headings.py's id rule ("github" or "legacy")."""
    text, callouts = _extract_callouts(prepare(text), engine)
    text = on_text(text)
    out = engine(text)
    for i, block in enumerate(callouts):
        out = out.replace(f"<p>{_placeholder(i)}</p>", block, 1)
    out = finish(out)
    out, toc = heading_ids(out, heading_style)
    out = on_html(out)
    if resolve_link is not None and ("href=" in out or "src=" in out):
        out = _rewrite_links(out, resolve_link)
    return RenderedMarkdown(out, toc)


# --- Nextcloud Text callouts: "::: info" ... ":::" --------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CALLOUT_OPEN = re.compile(r"^:::\s*([A-Za-z]+)\s*$")


def _placeholder(i: int) -> str:
    return f"SGCALLOUTBLOCK{i}X"


def _extract_callouts(text: str, engine: MarkdownEngine) -> tuple[str, list[str]]:
    if ":::" not in text:
        return text, []
    lines = text.split("\n")
    out: list[str] = []
    blocks: list[str] = []
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        fm = _FENCE.match(line)
        if fence is None and fm:
            fence = fm.group(1)[0] * len(fm.group(1))
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        om = _CALLOUT_OPEN.match(line) if fence is None else None
        if om and om.group(1).lower() in CALLOUT_KINDS:
            end = _callout_end(lines, i + 1)
            if end is not None:
                inner = "\n".join(lines[i + 1 : end])
                kind = om.group(1).lower()
                body = render_markdown(inner, engine).html
                blocks.append(f'<div class="callout callout-{kind}" role="note">\n{body}</div>\n')
                out.extend(["", _placeholder(len(blocks) - 1), ""])
                i = end + 1
                continue
        out.append(line)
        i += 1
    return "\n".join(out), blocks


def _callout_end(lines: list[str], start: int) -> int | None:
    fence: str | None = None
    for j in range(start, len(lines)):
        fm = _FENCE.match(lines[j])
        if fence is None and fm:
            fence = fm.group(1)[0] * len(fm.group(1))
        elif fence is not None and lines[j].strip().startswith(fence):
            fence = None
        elif fence is None and lines[j].strip() == ":::":
            return j
    return None


# --- links between pages --------------------------------------------------------------------

_URL_ATTR = re.compile(r'(<(?:a|img|source|video|audio)\b[^>]*?\s(?:href|src)=")([^"]*)(")')
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#|/)")


def _rewrite_links(out: str, resolve: LinkResolver) -> str:
    def fix(m: re.Match[str]) -> str:
        value = html.unescape(m.group(2))
        # Nextcloud's links to a file by ID (`https://cloud/index.php/f/123`) are offered too.
        if not value or (_EXTERNAL.match(value) and "/f/" not in value):
            return m.group(0)
        new = resolve(value)
        if new is None:
            return m.group(0)
        return m.group(1) + html.escape(new, quote=True) + m.group(3)

    return _URL_ATTR.sub(fix, out)


# --- summaries --------------------------------------------------------------------------------

MORE = "<!-- more -->"
_NOT_PARAGRAPH = re.compile(
    r"^(?:#|>|\||<|:::|[-*+]\s|\d+[.)]\s|[-*_]{3,}\s*$|\[[^\]]+\]:|={3,}|-{3,})"
)
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")


def summary_markdown(body: str) -> tuple[str, bool]:
    """The Markdown of a page's summary: (what stands before `<!-- more -->`, True), else (its
    first top-level paragraph, False). Found in the source, so a listing of many pages never
    renders their whole bodies."""
    if MORE in body:
        return body.split(MORE, 1)[0], True
    para: list[str] = []
    fence: str | None = None
    for line in body.split("\n"):
        text = line.strip()
        if fence is not None:
            if text.startswith(fence):
                fence = None
            continue
        fm = _FENCE.match(line)
        if fm:
            if para:
                break
            fence = fm.group(1)[0] * 3
            continue
        if para:
            if not text:
                break
            para.append(line)
        elif text and not line.startswith(("    ", "\t")) and not _NOT_PARAGRAPH.match(text):
            para.append(line)
    return _FOOTNOTE_REF.sub("", "\n".join(para)), False
