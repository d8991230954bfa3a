"""Layer 2: where templates come from: the site folder overlaid on its themes, path by path."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from sitegen import frontmatter
from sitegen.errors import Diagnostic, SitegenError
from sitegen.model import is_within


class TemplateProblem(SitegenError):
    """A template could not be loaded or rendered; `.diagnostics` says where."""


@dataclass(frozen=True)
class TemplateRoot:
    """A folder templates are looked up in, and how its files are named in messages."""

    path: Path
    display_prefix: str = ""  # "" for the site itself, "themes/default/" for a theme
    trusted: bool = False  # shipped with sitegen: its templates run outside the sandbox


class OverlayLoader(jinja2.BaseLoader):
    """Finds a template in the first root that has it (site first, theme after), path by path.

    Front matter at the top of a template (an HTML page) is replaced by a Jinja comment of the same
    number of lines, so line numbers in messages stay those of the file.
    """

    def __init__(self, roots: Sequence[TemplateRoot]) -> None:
        self.roots = list(roots)
        self.display: dict[str, str] = {}  # absolute file name -> name shown to the user
        self._exists: dict[str, bool] = {}

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        name = posixpath.normpath(template).lstrip("/")
        if name.startswith("../") or name == "..":
            raise jinja2.TemplateNotFound(template)
        for root in self.roots:
            file = root.path / name
            if file.is_file() and is_within(file, root.path):
                try:
                    source = file.read_text(encoding="utf-8")
                except UnicodeDecodeError as exc:
                    line = file.read_bytes()[: exc.start].count(b"\n") + 1
                    d = Diagnostic(root.display_prefix + name, line, "not valid UTF-8")
                    raise TemplateProblem(str(d), [d]) from None
                filename = str(file)
                self.display[filename] = root.display_prefix + name
                return (
                    _blank_front_matter(source, root.display_prefix + name),
                    filename,
                    lambda: True,
                )
        raise jinja2.TemplateNotFound(template)

    def trusted(self, name: str) -> bool:
        """Whether the file that serves `name` belongs to a trusted root (a shipped theme)."""
        name = posixpath.normpath(name).lstrip("/")
        for root in self.roots:
            file = root.path / name
            if file.is_file() and is_within(file, root.path):
                return root.trusted
        return False

    def exists(self, name: str) -> bool:
        known = self._exists.get(name)
        if known is None:
            known = self._exists[name] = any(
                (r.path / name).is_file() and is_within(r.path / name, r.path) for r in self.roots
            )
        return known


def _blank_front_matter(source: str, display: str) -> str:
    if not source.startswith(("---", "\ufeff---")):
        return source
    try:
        fm_src, body, _ = frontmatter.split(source, display)
    except SitegenError:
        return source
    if fm_src is None:
        return source
    head_lines = source[: len(source) - len(body)].count("\n")
    return "{#" + "\n" * (head_lines - 1) + "-#}\n" + body if head_lines else body
