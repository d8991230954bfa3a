"""Layer 2: the registry of Markdown transforms, the extensions applied around whichever engine
runs (render/markdown.py's `render_markdown`), in this order.

A transform is a module with `STAGE` and `transform(str) -> str`:

- `STAGE = "text"`: on the Markdown the engine is about to read, its prose only: code blocks
  (fenced or indented) and code spans are left out and kept as written. Nextcloud Text's syntax
  is already marked and callouts already taken out and rendered on their own, so each piece of
  Markdown passes once. Markdown in, Markdown out: it works with both engines and under every
  raw-HTML policy (HTML written here is subject to the policy).
- `STAGE = "html"`: on the engine's HTML, after heading ids are set and before links between
  pages are resolved (a link a transform writes to `other.md` becomes the page's URL).

Adding one is one module plus one line in MARKDOWN_TRANSFORMS: a module of this package by its
name, or any importable module by its full dotted name. Summaries are rendered through the same
transforms. Callouts, heading ids and links between pages are not transforms: they need the
engine or the page's context.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import cache

Transform = Callable[[str], str]
STAGES = ("text", "html")

MARKDOWN_TRANSFORMS: tuple[str, ...] = (
    "md_ext_footnote_ids",
    "md_ext_task_lists",
    "md_ext_autolinks",
)


def on_text(text: str) -> str:
    """The Markdown with every text transform applied to its prose, in registry order."""
    for transform in transforms("text"):
        text = "".join(p if code else transform(p) for code, p in prose_and_code(text))
    return text


def on_html(html: str) -> str:
    """The HTML with every HTML transform applied, in registry order."""
    for transform in transforms("html"):
        html = transform(html)
    return html


def transforms(stage: str) -> tuple[Transform, ...]:
    """The registered transforms of one stage, in registry order."""
    return _resolve(MARKDOWN_TRANSFORMS)[STAGES.index(stage)]


@cache
def _resolve(names: tuple[str, ...]) -> tuple[tuple[Transform, ...], ...]:
    modules = [importlib.import_module(n if "." in n else f"{__package__}.{n}") for n in names]
    for name, module in zip(names, modules, strict=True):
        if getattr(module, "STAGE", None) not in STAGES:
            raise ValueError(f"Markdown transform {name}: STAGE must be one of {STAGES}")
    return tuple(tuple(m.transform for m in modules if stage == m.STAGE) for stage in STAGES)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def prose_and_code(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (is_code, piece) pieces that join back to it: fenced and indented code
    blocks and code spans (within a line) are code, the rest is prose."""
    pieces: list[tuple[bool, str]] = []
    fence: str | None = None
    prev_blank, indented = True, False
    for line in text.splitlines(keepends=True):
        fm = _FENCE.match(line)
        indented = line.startswith(("    ", "\t")) and (prev_blank or indented)
        if fence is not None:
            fence = None if line.strip().startswith(fence) else fence
            pieces.append((True, line))
        elif fm:
            fence = fm.group(1)[0] * len(fm.group(1))
            pieces.append((True, line))
        elif indented:
            pieces.append((True, line))  # an indented code block
        else:
            pos = 0
            for m in _CODE_SPAN.finditer(line):
                pieces += [(False, line[pos : m.start()]), (True, m.group())]
                pos = m.end()
            pieces.append((False, line[pos:]))
        prev_blank = not line.strip()
    return _merged(pieces)


def _merged(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Neighbours of the same kind joined: a transform sees whole paragraphs of prose."""
    out: list[tuple[bool, str]] = []
    for code, piece in pieces:
        if out and out[-1][0] == code:
            out[-1] = (code, out[-1][1] + piece)
        elif piece:
            out.append((code, piece))
    return out
