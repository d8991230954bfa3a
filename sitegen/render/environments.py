"""Layer 2: the two Jinja2 environments a site's templates run in.

A site's own templates come from folders other people can write to (a shared Nextcloud folder),
so they run in `Sandbox`: Jinja2's sandbox, plus render/limits.py's bounds on time and size.
The themes shipped inside sitegen are code of sitegen itself: they run in `Trusted`, a plain
environment, which skips the sandbox's check on every attribute read and call (about a third of
a page's template time). Both share one loader; whichever template asks for another (include,
extends, import, partial()) gets it from the environment of the folder it is found in, so a
site's template that overrides a theme's partial still runs sandboxed when the theme calls it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, MutableMapping
from types import BuiltinMethodType
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import internalcode

from . import limits as guards
from .inlining import Inliner, inline_partials


class _Routing(jinja2.Environment):
    """get_template() hands each name to the environment its file must run in."""

    route: Callable[[str], jinja2.Environment] | None = None

    def get_template(
        self,
        name: str | jinja2.Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        if isinstance(name, str) and self.route is not None:
            env = self.route(name)
            if env is not self:
                return env.get_template(name, parent, globals)
        return super().get_template(name, parent, globals)


class _TrustedContext(jinja2.runtime.Context):
    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Jinja's call, with a short way for a method of a built-in type (`page.meta.get`,
        `strftime`: most calls in the themes), which can carry no Jinja marker to look for."""
        if type(__obj) is not BuiltinMethodType:
            return jinja2.runtime.Context.call(__self, __obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class Trusted(_Routing):
    """Templates shipped with sitegen: no sandbox (their output is still size-checked), their
    calls of other trusted partials compiled in (render/inlining.py) when `inline` is set."""

    context_class = _TrustedContext
    inline: Inliner | None = None

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.inline is None or name is None:
            return tree
        tree = inline_partials(tree, name, self.inline)
        tree.set_environment(self)
        return tree

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Jinja's getattr (the attribute, else the item, else an undefined), with `site.title`
        or `item.level` on a dict read as the key without first letting getattr() fail and
        raise: that is done only when no attribute of that name can exist on the object."""
        if type(obj) is dict:
            if attribute not in _DICT_ATTRIBUTES:
                return _item_or_undefined(self, obj, attribute)
        elif isinstance(obj, dict) and _keys_only(type(obj)):
            names = _attributes_of(type(obj))
            if attribute not in names and not ("__dict__" in names and obj.__dict__):
                return _item_or_undefined(self, obj, attribute)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            return _item_or_undefined(self, obj, attribute)


def _item_or_undefined(env: jinja2.Environment, obj: Any, attribute: str) -> Any:
    """The second half of Jinja's Environment.getattr."""
    try:
        return obj[attribute]
    except (TypeError, LookupError, AttributeError):
        return env.undefined(obj=obj, name=attribute)


@functools.cache
def _keys_only(cls: type) -> bool:
    """A dict subclass whose attributes dir() lists (with those its instances hold): no
    __getattr__ or __getattribute__ of its own, whose answers no listing can know."""
    return not any(
        "__getattribute__" in vars(c) or "__getattr__" in vars(c)
        for c in cls.__mro__
        if c not in (dict, object)
    )


# str.format and str.format_map are wrapped by the sandbox whenever they are read
_STR_FORMAT = frozenset({"format", "format_map"})


@functools.cache
def _attributes_of(cls: type) -> frozenset[str]:
    return frozenset(dir(cls))


_DICT_ATTRIBUTES = _attributes_of(dict)


class Sandbox(_Routing, SandboxedEnvironment):
    """Jinja2's sandbox with its per-access safety verdict cached by (type, attribute).

    The verdict depends only on the object's type and the attribute's name, and a page reads the
    same few attributes thousands of times, so the cache removes most of the sandbox's cost.
    """

    intercepted_binops = frozenset({"*", "**", "+"})  # render/limits.py bounds their results

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._safe: dict[tuple[type, str], bool] = {}
        self.filters = {name: guards.checked_filter(f) for name, f in self.filters.items()}

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        return guards.guard_tree(super()._parse(source, name, filename))

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        guards.check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(
        __self,
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        guards.check_clock()
        # The string a method belongs to ('{:>1000000000}'.format) has its widths checked too.
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        guards.check_args((owner, *args) if isinstance(owner, str) else args, kwargs)
        return SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`site.title` on a dict: look the key up first when no attribute of that name can
        exist, instead of letting getattr() fail and raise first (Jinja's order is kept).
        An attribute already found safe on this type is read directly: the sandbox's own path
        would only reach the same verdict again (templates read ~90 attributes a page)."""
        if isinstance(obj, dict) and attribute not in _attributes_of(type(obj)):
            try:
                return obj[attribute]
            except KeyError:
                pass
        elif self._safe.get((type(obj), attribute)) and attribute not in _STR_FORMAT:
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass  # Jinja tries obj[attribute] next, then gives an undefined
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._safe.get(key)
        if verdict is None:
            verdict = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return verdict
