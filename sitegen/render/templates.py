"""Layer 2: Jinja2 templates, over the site folder overlaid on its theme.

A site's templates come from folders that other people can write to (a shared Nextcloud folder),
so they run in Jinja2's sandbox: a template can format data, never reach Python internals. The
themes shipped with sitegen run outside it (render/environments.py). Every failure becomes a
`Diagnostic` at the innermost template file and line.
"""

from __future__ import annotations

import contextvars
import hashlib
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from sitegen.errors import Diagnostic

from . import limits as guards
from .environments import Sandbox, Trusted
from .inlining import inlinable
from .keptcode import KeptBytecode
from .limits import TemplateLimitError, TemplateLimits
from .loader import OverlayLoader, TemplateProblem, TemplateRoot

__all__ = ["TemplateProblem", "TemplateRoot", "Templates"]

PARTIALS_DIR = "_partials"
LAYOUTS_DIR = "_layouts"


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
        bytecode_key: bytes | None = None,
        shipped_bytecode_dir: Path | None = None,
        inline: bool = True,
    ) -> None:
        """`bytecode_dir`: where compiled templates are kept between builds, under the MAC of
        `bytecode_key` (none: not kept there); sitegen's own theme templates are kept in
        `shipped_bytecode_dir` instead when given (the user's cache folder: compiled once for
        every site, even for a site's first build). See render/keptcode.py."""
        self.limits = limits or TemplateLimits()
        self.loader = OverlayLoader(roots)
        options: dict[str, Any] = {
            "loader": self.loader,
            "undefined": jinja2.StrictUndefined if strict else _LenientUndefined,
            "autoescape": True,
            "keep_trailing_newline": True,
            "auto_reload": False,
            "cache_size": -1,
            "extensions": ["jinja2.ext.loopcontrols"],
        }
        shipped = (
            KeptBytecode(shipped_bytecode_dir, "trusted", private=True)
            if shipped_bytecode_dir
            else KeptBytecode(bytecode_dir, "trusted", key=bytecode_key)
        )
        self.compiled = [KeptBytecode(bytecode_dir, "sandbox", key=bytecode_key), shipped]
        kept = [store if store.folder else None for store in self.compiled]
        self.env = Sandbox(**options, bytecode_cache=kept[0])
        self.trusted = Trusted(**options, bytecode_cache=kept[1])
        for env in (self.env, self.trusted):
            env.globals.update(globals or {})
            env.globals.update(guards.GLOBALS)
            env.globals["partial"] = self._partial
            env.route = self._route
        self.inlines = inline  # trusted templates compile trusted partials in
        self._inlining: tuple[str, ...] = ()  # the partials being inlined, outermost first
        if inline:
            self.trusted.inline = self._inline
            if shipped.folder:
                shipped.depends = self._inlined_sources()
        self._exact_args = (roots, strict, globals, limits)
        self._routes: dict[str, jinja2.Environment] = {}
        self._partials: dict[tuple[str, str], _FoundPartial] = {}  # by (name, caller's folder)
        # A shipped template's globals, flat, and their names, by template name
        self._flat_globals: dict[str | None, tuple[dict[str, Any], dict[str, None]]] = {}

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

    def _inline(self, target: str, caller: str) -> list[jinja2.nodes.Node] | None:
        """The body of partial `target`, to compile into trusted template `caller` when it is
        trusted too and can be (render/inlining.py), else None."""
        if target in self._inlining or not self.loader.trusted(target):
            return None
        source, filename, _ = self.loader.get_source(self.trusted, target)
        self._inlining = (*self._inlining, target)
        try:
            body = self.trusted._parse(source, target, filename).body
        finally:
            self._inlining = self._inlining[:-1]
        return body if inlinable(body) else None

    def _inlined_sources(self) -> str:
        """What trusted templates' compiled code depends on besides their own source: which
        partials the trusted folders hold, and their text, and which of them a site's own
        folders hold (those are not inlined)."""
        h = hashlib.blake2b(digest_size=16)
        for root in self.loader.roots:
            for file in sorted((root.path / PARTIALS_DIR).glob("*")):
                h.update(f"{root.trusted}\0{file.name}\0".encode())
                if root.trusted and file.is_file():
                    h.update(file.read_bytes())
        return h.hexdigest()

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
            d = self._diagnose_again(exc, name, context)
            raise TemplateProblem(str(d), [d]) from exc

    def _diagnose_again(self, exc: Exception, name: str, context: Mapping[str, Any]) -> Diagnostic:
        """`diagnose`, after rendering the page again without inlined partials when it had
        any: an error in one is then found in the partial's own file and line."""
        found = self.diagnose(exc, name)
        if not self.inlines or not self._in_trusted_file(found.path):
            return found
        roots, strict, globals, limits = self._exact_args
        exact = Templates(roots, strict=strict, globals=globals, limits=limits, inline=False)
        try:
            exact.render(name, context)
        except TemplateProblem as again:
            return again.diagnostics[0] if again.diagnostics else found
        return found

    def _in_trusted_file(self, path: str | None) -> bool:
        shown = [r for r in self.loader.roots if r.display_prefix and r.trusted]
        return path is not None and any(path.startswith(r.display_prefix) for r in shown)

    def _stream(self, template: jinja2.Template, context: Mapping[str, Any]) -> str:
        """Render chunk by chunk, stopping as soon as the page passes the output limit. A
        shipped layout is rendered whole, then measured: what it writes grows only with the
        site's data (a site's partial it calls is measured on its own), and a page yields
        some 130 chunks, each a turn of this loop."""
        if template.environment is self.trusted:
            page = self._render_whole(template, context)
            guards.check_size(len(page), "the page")
            return page
        chunks: list[str] = []
        size = 0
        limit = guards.output_limit()  # read once: a page yields many chunks
        for chunk in template.generate(context):
            size += len(chunk)
            if size > limit:
                guards.check_size(size, "the page")
            chunks.append(chunk)
        return "".join(chunks)

    def _render_whole(self, template: jinja2.Template, context: Mapping[str, Any]) -> str:
        """Template.render, with the template's globals flattened once, not once a page (they
        are a ChainMap, which Jinja copies key by key, in Python, for every page)."""
        env = template.environment
        found = self._flat_globals.get(template.name)
        if found is None:
            flat = dict(template.globals)
            found = self._flat_globals[template.name] = (flat, dict.fromkeys(flat))
        flat, names = found
        ctx = env.context_class(env, {**flat, **context}, template.name, template.blocks, names)
        try:
            return env.concat(template.root_render_func(ctx))
        except Exception:
            env.handle_exception()

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
