"""Layer 2: a template may not run forever or build unbounded text (`[limits]` in sitegen.toml).

The sandbox keeps a template away from Python internals, not from `"x" * 10**10`, a string doubled
in a loop, or three nested loops over 100,000 items that print nothing. So:

- `*`, `**` and `+` are checked before they run (the sandbox's intercepted binary operators), and
  `~` joins are checked after: no value may pass the page's output limit;
- every `{% for %}` iterates through `guard_loop`, and operators, calls and attribute reads check
  the clock too, so a page's render stops at its deadline even when it writes nothing;
- the rendered page is streamed and counted (templates.py).

The deadline lives in a context variable set when a page starts rendering: each forked render
worker, the main process and each of the preview's threads has its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.runtime import markup_join, str_join
from jinja2.utils import pass_eval_context

LOOP_GUARD = "sitegen_loop_guard"
CONCAT_GUARD = "sitegen_concat_guard"
_MAX_POWER_BITS = 100_000  # an integer ** may make a number of at most this many bits


@dataclass(frozen=True)
class TemplateLimits:
    seconds: float = 10.0  # rendering one page (its layout and partials)
    max_output: int = 20_000_000  # characters of one page, and of any value a template builds


class TemplateLimitError(Exception):
    """A template passed a limit; the message says which and how to raise it."""


@dataclass
class _Budget:
    limits: TemplateLimits
    deadline: float


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "sitegen_template_budget", default=None
)


@contextlib.contextmanager
def page_budget(limits: TemplateLimits) -> Iterator[None]:
    """Start a page's clock, unless one is already running (a partial inside a page)."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(_Budget(limits, time.monotonic() + limits.seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def check_clock() -> None:
    budget = _budget.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise TemplateLimitError(
            f"rendering took more than {budget.limits.seconds:g} s (limits.template_seconds)"
        )


def output_limit() -> float:
    """The most characters a value may have now (infinite outside a page's budget)."""
    budget = _budget.get()
    return budget.limits.max_output if budget is not None else float("inf")


def check_size(size: int, what: str = "a value") -> None:
    budget = _budget.get()
    if budget is not None and size > budget.limits.max_output:
        raise TemplateLimitError(
            f"{what} would be longer than {budget.limits.max_output:,} characters "
            "(limits.page_output_chars)"
        )


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse `*`, `**` and `+` whose result would be too big, before computing it."""
    check_clock()
    sized = (str, list, tuple, bytes)
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, sized) and isinstance(n, int):
                check_size(len(seq) * max(n, 0))
    elif operator == "+" and isinstance(left, sized) and isinstance(right, sized):
        check_size(len(left) + len(right))
    elif operator == "**" and _too_big_power(left, right):
        raise TemplateLimitError(f"{left} ** {right} is too big a number")


def check_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a call or filter given a number bigger than the output cap, before it runs: one
    call such as `'x'.center(10**9)`, `'x'|indent(10**9)` or `zfill` could allocate that much."""
    budget = _budget.get()
    if budget is None:
        return
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool):
            check_size(value, f"a call with the argument {value:,}")
        elif isinstance(value, str) and len(value) < 10_000:
            for digits in _WIDTH.findall(value):  # a format spec's width: '{:>1000000000}'
                check_size(int(digits), f"a format width of {int(digits):,}")


_WIDTH = re.compile(r"(?<![\d.])(\d{7,})")


def checked_filter(f: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose arguments are checked by `check_args` first (Jinja calls filters directly,
    not through the sandbox's `call`)."""

    @functools.wraps(f)  # keeps jinja_pass_arg, so context-passing filters still get it
    def run(*args: Any, **kwargs: Any) -> Any:
        check_args(args[1:], kwargs)
        return f(*args, **kwargs)

    return run


def _too_big_power(base: Any, exponent: Any) -> bool:
    if not (isinstance(base, int) and isinstance(exponent, int)) or exponent <= 0:
        return False
    return abs(base) > 1 and base.bit_length() * exponent > _MAX_POWER_BITS


def guard_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    """What `{% for %}` iterates: the items, with the clock checked between them."""
    for item in iterable:
        check_clock()
        yield item


@pass_eval_context
def guard_concat(eval_ctx: Any, *parts: Any) -> Any:
    """`a ~ b` as Jinja joins it, refused when the result passes the output limit."""
    joined = markup_join(parts) if eval_ctx.autoescape else str_join(parts)
    check_size(len(joined))
    return joined


def guard_tree(tree: nodes.Template) -> nodes.Template:
    """Route every for-loop and `~` join of a parsed template through the guards above."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(LOOP_GUARD, "load"), [loop.iter], [], None, None)
    for node in list(tree.find_all(nodes.Concat)):
        call = nodes.Call(nodes.Name(CONCAT_GUARD, "load"), list(node.nodes), [], None, None)
        node.nodes = [call]  # a Concat of one: Jinja joins it as is
    return tree


GLOBALS = {LOOP_GUARD: guard_loop, CONCAT_GUARD: guard_concat}
