"""Layer 2: what Nextcloud Text writes that plain CommonMark + GFM reads differently.

Text's own parser (markdown-it with its plugins) reads, and its serializer writes:

- `__text__` as underline (`<u>`), where CommonMark makes it bold;
- `==text==` as highlighted (`<mark>`, markdown-it-mark);
- `<br>` / `<br />` as a line break even with raw HTML off (its hardbreak rule), so the break
  survives `raw_html = "escape"` or `"drop"`;
- table rows ending in a backslash continued on the next row (markdown-it-multimd-table's multiline
  rows: the serializer writes a cell of several lines that way): joined, lines kept apart by
  line breaks.

The source is marked with private-use characters before the engine runs, outside code blocks
and code spans, and the marks become HTML after it, so neither engine nor the raw-HTML policy
needs to know. A page that already holds those characters is left as it is.
"""

from __future__ import annotations

import re

_U_OPEN, _U_CLOSE, _MARK_OPEN, _MARK_CLOSE, _BR = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
_MARKS = (_U_OPEN, _U_CLOSE, _MARK_OPEN, _MARK_CLOSE, _BR)
_HTML = {
    _U_OPEN: "<u>",
    _U_CLOSE: "</u>",
    _MARK_OPEN: "<mark>",
    _MARK_CLOSE: "</mark>",
    _BR: "<br />",
}
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Left as written: code spans, link targets, HTML tags and autolinks (a `<br>` is made a break).
_PROTECTED = re.compile(r"(`+)(?:(?!\1).)+?\1|\]\([^)]*\)|<[a-zA-Z/][^>]*>")
_UNDERLINE = re.compile(r"(?<![\w\\_])__(?=[^\s_])(.+?)(?<=[^\s\\_])__(?![\w_])")
_HIGHLIGHT = re.compile(r"(?<![\\=])==(?=[^\s=])(.+?)(?<=[^\s\\=])==(?!=)")
_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_CONTINUED_ROW = re.compile(r"^\s*\|.*\|\s*\\\s*$")


def prepare(text: str) -> str:
    """The Markdown with Text's own syntax marked (see the module's docstring)."""
    if not _may_hold_text_syntax(text):
        return text
    if any(m in text for m in _MARKS):
        return text
    out: list[str] = []
    fence: str | None = None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        fm = _FENCE.match(line)
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append(line)
        elif fm:
            fence = fm.group(1)[0] * len(fm.group(1))
            out.append(line)
        elif line.startswith(("    ", "\t")) and (not out or not out[-1].strip()):
            out.append(line)  # an indented code block
        else:
            if _CONTINUED_ROW.match(line):
                line, i = _join_rows(lines, i)
            out.append(_mark_inline(line))
        i += 1
    return "\n".join(out)


def _may_hold_text_syntax(text: str) -> bool:
    """Whether `text` holds `__`, `==`, `<br`, `<BR` or a backslash. A one-character search runs
    at memchr speed, a longer one about a hundred times slower: each longer search runs only when
    its first character is there (most pages have no "=" and no "<")."""
    return (
        "\\" in text
        or ("_" in text and "__" in text)
        or ("=" in text and "==" in text)
        or ("<" in text and ("<br" in text or "<BR" in text))
    )


def finish(html: str) -> str:
    """The engine's HTML with the marks made HTML."""
    if not any(m in html for m in _MARKS):
        return html
    for mark, tag in _HTML.items():
        html = html.replace(mark, tag)
    return html


def _mark_inline(line: str) -> str:
    if not any(c in line for c in "`](<"):
        return _marked(line)
    pieces: list[str] = []
    pos = 0
    for m in _PROTECTED.finditer(line):
        pieces.append(_marked(line[pos : m.start()]))
        pieces.append(_BR if _BR_TAG.fullmatch(m.group()) else m.group())
        pos = m.end()
    pieces.append(_marked(line[pos:]))
    return "".join(pieces)


def _marked(text: str) -> str:
    if "__" in text:
        text = _UNDERLINE.sub(lambda m: _U_OPEN + m.group(1) + _U_CLOSE, text)
    if "==" in text:
        text = _HIGHLIGHT.sub(lambda m: _MARK_OPEN + m.group(1) + _MARK_CLOSE, text)
    return text


def _join_rows(lines: list[str], i: int) -> tuple[str, int]:
    """A multiline table row (rows ending in ` \\`, then the row that ends it) as one row."""
    rows = [_cells(lines[i])]
    while _CONTINUED_ROW.match(lines[i]) and i + 1 < len(lines) and _TABLE_ROW.match(lines[i + 1]):
        i += 1
        rows.append(_cells(lines[i]))
    width = max(len(r) for r in rows)
    joined = []
    for col in range(width):
        texts = [r[col].strip() for r in rows if col < len(r) and r[col].strip()]
        joined.append(_BR.join(texts))
    return "| " + " | ".join(joined) + " |", i


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.endswith("\\"):
        row = row[:-1].rstrip()
    inner = row[1:-1] if row.endswith("|") else row[1:]
    return re.split(r"(?<!\\)\|", inner)
