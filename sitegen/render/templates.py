"""Layer 2: Jinja2 templates, over the site folder overlaid on its theme.

A site's templates come from folders that other people can write to (a shared Nextcloud folder),
so they run in Jinja2's sandbox: a template can format data, never reach Python internals. The
themes shipped with sitegen run outside it (render/environments.py). Every failure becomes a
`Diagnostic` at the innermost template file and line.
"""

from __future__ import annotations

import contextvars
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from sitegen import frontmatter
from sitegen.errors import Diagnostic, SitegenError
from sitegen.model import is_within

from . import limits as guards
from .environments import KeptBytecode, Sandbox, Trusted
from .limits import TemplateLimitError, TemplateLimits

PARTIALS_DIR = "_partials"
LAYOUTS_DIR = "_layouts"


class TemplateProblem(SitegenError):
    """A template could not be loaded or rendered; `.diagnostics` says where."""


@dataclass(frozen=True)
class TemplateRoot:
    """A folder templates are looked up in, and how its files are named in messages."""

    path: Path
    display_prefix: str = ""  # "" for the site itself, "themes/default/" for a theme
    trusted: bool = False  # shipped with sitegen: its templates run outside the sandbox


class _OverlayLoader(jinja2.BaseLoader):
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


class _LenientUndefined(jinja2.Undefined):
    """`strict = false`: unknown names print as nothing, but a sandbox refusal still fails."""

    def __str__(self) -> str:
        if self._undefined_exception is SecurityError:
            self._fail_with_undefined_error()
        return ""


_partial_stack: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "sitegen_partial_stack", default=()
)


_FoundPartial = tuple[str, jinja2.Template, dict[str, Any]]


class Templates:
    """The compiled templates of one build (a new instance per build, so edits are seen)."""

    def __init__(
        self,
        roots: Sequence[TemplateRoot],
        *,
        strict: bool = True,
        globals: Mapping[str, Any] | None = None,
        limits: TemplateLimits | None = None,
        bytecode_dir: Path | None = None,
    ) -> None:
        self.limits = limits or TemplateLimits()
        self.loader = _OverlayLoader(roots)
        options: dict[str, Any] = {
            "loader": self.loader,
            "undefined": jinja2.StrictUndefined if strict else _LenientUndefined,
            "autoescape": True,
            "keep_trailing_newline": True,
            "auto_reload": False,
            "cache_size": -1,
            "extensions": ["jinja2.ext.loopcontrols"],
        }
        self.compiled = [KeptBytecode(bytecode_dir, kind) for kind in ("sandbox", "trusted")]
        self.env = Sandbox(**options, bytecode_cache=self.compiled[0] if bytecode_dir else None)
        self.trusted = Trusted(**options, bytecode_cache=self.compiled[1] if bytecode_dir else None)
        for env in (self.env, self.trusted):
            env.globals.update(globals or {})
            env.globals.update(guards.GLOBALS)
            env.globals["partial"] = self._partial
            env.route = self._route
        self._routes: dict[str, jinja2.Environment] = {}
        self._partials: dict[tuple[str, str], _FoundPartial] = {}  # by (name, caller's folder)

    def exists(self, name: str) -> bool:
        return self.loader.exists(name)

    def save_compiled(self) -> None:
        """Keep what this build compiled for the next (after a build that succeeded)."""
        for kept in self.compiled:
            kept.save()

    def compile_shared(self) -> None:
        """Compile every layout and partial now: done before the render workers fork, each
        inherits them instead of compiling its own. One that fails is reported when used."""
        names = {"_layout.html"}
        for root in self.loader.roots:
            for folder in (PARTIALS_DIR, LAYOUTS_DIR):
                names.update(f"{folder}/{f.name}" for f in (root.path / folder).glob("*.html"))
        for name in sorted(names):
            if self.exists(name):
                try:
                    self.env.get_template(name)
                except Exception:  # its page reports it, at its line
                    continue

    def _route(self, name: str) -> jinja2.Environment:
        env = self._routes.get(name)
        if env is None:
            env = self._routes[name] = self.trusted if self.loader.trusted(name) else self.env
        return env

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Render a template; any failure raises TemplateProblem naming file and line."""
        try:
            with guards.page_budget(self.limits):
                return self._stream(self.env.get_template(name), context)
        except TemplateProblem:
            raise
        except Exception as exc:  # every template failure is the site's, reported at its line
            d = self.diagnose(exc, name)
            raise TemplateProblem(str(d), [d]) from exc

    def _stream(self, template: jinja2.Template, context: Mapping[str, Any]) -> str:
        """Render chunk by chunk, stopping as soon as the page passes the output limit."""
        chunks: list[str] = []
        size = 0
        limit = guards.output_limit()  # read once: a page yields some forty chunks
        for chunk in template.generate(context):
            size += len(chunk)
            if size > limit:
                guards.check_size(size, "the page")
            chunks.append(chunk)
        return "".join(chunks)

    @jinja2.pass_context
    def _partial(self, ctx: jinja2.runtime.Context, name: str, /, **locals: Any) -> Markup:
        """Harp's partial(): `_partials/NAME.html`, or a path from the calling template or root."""
        target, template, global_names = self._find_partial(name, ctx.name or "")
        stack = _partial_stack.get()
        if target in stack:
            chain = " → ".join((*stack, target))
            raise _IncludeLoop(f"include loop: {chain}")
        # the caller's variables over the globals, the partial's own over both: one new dict
        values = {**ctx.parent, **ctx.vars, **locals} if locals else ctx.get_all()
        env = template.environment
        # shared: `values` already holds the globals, so Jinja need not merge them again
        context = env.context_class(env, values, template.name, template.blocks, global_names)
        token = _partial_stack.set((*stack, target))
        try:
            out = "".join(template.root_render_func(context))
            guards.check_size(len(out), f"the output of partial {name!r}")
            return Markup(out)
        finally:
            _partial_stack.reset(token)

    def _find_partial(self, name: str, caller: str) -> _FoundPartial:
        """The partial's name, compiled template and the names of its globals (what a Jinja
        context copies from them: they are set once, in __init__), once per calling folder."""
        key = (name, posixpath.dirname(caller))
        found = self._partials.get(key)
        if found is None:
            target = self._look_up_partial(name, caller)
            template = self.env.get_template(target)
            found = self._partials[key] = (target, template, dict.fromkeys(template.globals))
        return found

    def _look_up_partial(self, name: str, caller: str) -> str:
        file = name if name.endswith((".html", ".htm", ".xml", ".txt", ".svg")) else name + ".html"
        here = posixpath.dirname(caller)
        candidates = [f"{PARTIALS_DIR}/{file}", posixpath.join(here, file), file]
        if "/" in name:
            candidates = [posixpath.join(here, file), file, f"{PARTIALS_DIR}/{file}"]
        for c in candidates:
            c = posixpath.normpath(c)
            if not c.startswith("..") and self.exists(c):
                return c
        raise _MissingPartial(f"partial not found: {name!r} (looked for {PARTIALS_DIR}/{file})")

    def diagnose(self, exc: BaseException, name: str) -> Diagnostic:
        """Where in which template `exc` happened, and what it means to a site author."""
        if isinstance(exc, TemplateProblem) and exc.diagnostics:
            return exc.diagnostics[0]
        if isinstance(exc, jinja2.TemplateSyntaxError):
            path = self.loader.display.get(exc.filename or "", exc.name or name)
            return Diagnostic(path, exc.lineno, f"template syntax: {exc.message}")
        found, line = self._innermost_frame(exc.__traceback__)
        path = found if found is not None else name
        if isinstance(
            exc, TemplateLimitError | OverflowError
        ):  # OverflowError: the sandbox's range()
            return Diagnostic(path, line, f"template limit: {exc}")
        if isinstance(exc, SecurityError):
            return Diagnostic(path, line, f"template security: {exc}")
        if isinstance(exc, jinja2.UndefinedError):
            return Diagnostic(path, line, f"undefined variable: {exc.message}")
        if isinstance(exc, _MissingPartial | _IncludeLoop):
            return Diagnostic(path, line, str(exc))
        if isinstance(exc, jinja2.TemplateNotFound):
            return Diagnostic(path, line, f"template not found: {exc.name!r}")
        if isinstance(exc, RecursionError):
            return Diagnostic(path, line, "include loop: a template includes itself")
        return Diagnostic(path, line, f"template error: {type(exc).__name__}: {exc}")

    def _innermost_frame(self, tb: TracebackType | None) -> tuple[str | None, int | None]:
        found: tuple[str | None, int | None] = (None, None)
        while tb is not None:
            display = self.loader.display.get(tb.tb_frame.f_code.co_filename)
            if display is not None:
                found = (display, tb.tb_lineno)
            tb = tb.tb_next
        return found


class _MissingPartial(Exception):
    pass


class _IncludeLoop(Exception):
    pass
