"""Layer 0: diagnostics and the error family, with one formatter for terminal and browser.

Every problem a user can cause is reported as a `Diagnostic` that names the file (relative to the
site, POSIX separators) and the line, so the message reads `posts/hello.md:3: front matter: ...`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One user-facing problem at a place in a source file."""

    path: str
    line: int | None
    message: str
    col: int | None = None

    @property
    def location(self) -> str:
        if not self.path:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.message}" if loc else self.message


class SitegenError(Exception):
    """Base of every error sitegen reports to a user (never with a traceback unless asked)."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)

    @classmethod
    def at(cls, path: str, line: int | None, message: str) -> SitegenError:
        d = Diagnostic(path, line, message)
        return cls(str(d), [d])


class ConfigError(SitegenError):
    """A settings file (sitegen.toml, harp.json, a deploy file) or an option is wrong."""


class BuildError(SitegenError):
    """The build found one or more problems in the site; nothing was written to the output."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        ds = sorted(set(diagnostics), key=lambda d: (d.path, d.line or 0, d.message))
        n = len(ds)
        head = "\n".join(str(d) for d in ds)
        super().__init__(f"{head}\nbuild failed: {n} error{'s' if n != 1 else ''}", ds)


class SourceError(SitegenError):
    """A site source (local folder, Nextcloud, WebDAV) could not be read."""


class PublishError(SitegenError):
    """A publish target could not be planned or written."""


def excerpt_lines(source: str, line: int, context: int = 2) -> list[tuple[int, str]]:
    """The numbered lines around `line` (1-based) of `source`, for an error excerpt."""
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return []
    lo, hi = max(1, line - context), min(len(lines), line + context)
    return [(n, lines[n - 1]) for n in range(lo, hi + 1)]


def format_text(d: Diagnostic, source: str | None = None, *, color: bool = False) -> str:
    """`path:line: message`, and on a terminal a short excerpt of the source under it."""
    out = [str(d)]
    if source is not None and d.line:
        width = len(str(d.line + 2))
        for n, text in excerpt_lines(source, d.line):
            mark = ">" if n == d.line else " "
            row = f"  {mark} {n:>{width}} | {text.rstrip()}"
            if color and n == d.line:
                row = f"\x1b[1m{row}\x1b[0m"
            out.append(row)
    if color:
        out[0] = f"\x1b[31;1m{d.location}\x1b[0m: {d.message}" if d.location else out[0]
    return "\n".join(out)


def format_html(diagnostics: Iterable[tuple[Diagnostic, str | None]]) -> str:
    """An HTML fragment listing diagnostics with excerpts (the preview's error overlay)."""
    parts = []
    for d, source in diagnostics:
        rows = []
        if source is not None and d.line:
            for n, text in excerpt_lines(source, d.line):
                cls = ' class="sg-err-line"' if n == d.line else ""
                rows.append(f"<span{cls}>{n:>4} | {html.escape(text.rstrip())}</span>")
        pre = "<pre>" + "\n".join(rows) + "</pre>" if rows else ""
        parts.append(
            f"<section><h2><code>{html.escape(d.location)}</code></h2>"
            f"<p>{html.escape(d.message)}</p>{pre}</section>"
        )
    return "\n".join(parts)
