"""Layer 2: Sass/SCSS to CSS with libsass; errors name the .scss file and line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import sass

from sitegen.errors import Diagnostic, SitegenError

from .sassimport import Importer


class SassProblem(SitegenError):
    pass


_WHERE = re.compile(r"on line (\d+)(?::(\d+))? of (\S+)")


def compile_scss(
    file: Path,
    display: str,
    include_paths: Sequence[Path],
    roots: Sequence[tuple[Path, str]],
    imported: list[str] | None = None,
) -> str:
    """Compile one stylesheet. `roots` maps folders to their display prefix for messages; Sass
    reads files only below them (render/sassimport.py). `imported` gets the files it read."""
    importer = Importer(include_paths, [root for root, _ in roots])
    if imported is not None:
        importer.read = imported
    try:
        css: str = sass.compile(
            filename=str(file), output_style="expanded", importers=[(0, importer)]
        )
    except sass.CompileError as exc:
        raise SassProblem(*_diagnose(str(exc), display, roots, importer.refused)) from None
    return css


def _diagnose(
    message: str, display: str, roots: Sequence[tuple[Path, str]], refused: str | None
) -> tuple[str, list[Diagnostic]]:
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    first = next((ln for ln in lines if ln.startswith("Error:")), lines[0] if lines else "error")
    # A refused import: only our message (libsass would add the callback's traceback).
    text = refused or first.removeprefix("Error:").strip()
    path, line = display, None
    m = _WHERE.search(message)
    if m:
        line = int(m.group(1))
        where = m.group(3)
        path = _display_of(where, roots) or display
    d = Diagnostic(path, line, f"sass: {text}")
    return str(d), [d]


def _display_of(where: str, roots: Sequence[tuple[Path, str]]) -> str | None:
    p = Path(where)
    for root, prefix in roots:
        try:
            rel = p.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        return prefix + rel.as_posix()
    return None
