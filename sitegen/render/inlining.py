"""Layer 2: a trusted theme's `partial("name")` calls compiled into the calling template.

A call of `partial()` at render time builds a new context (a merge of the caller's variables, a
Jinja Context object, a contextvar push) for every partial of every page: a quarter of a page's
template time. Where both the caller and the partial are sitegen's own theme files (render/
environments.py's `Trusted`), the call is replaced when the caller compiles by the partial's
own template body inside a `{% with %}` of its arguments: the same output, without the call.

Only a call with a literal name whose first place to look (`_partials/NAME.html`) holds a trusted
file is inlined, with keyword arguments only, and only partials without blocks, macros, imports
or template inheritance, whose own partial calls are all inlined too (a partial left to run at
render time would look its partials up from the wrong folder), and which read no name the caller
assigns (a called partial sees the caller's context, never its loop or block variables, which
an inlined one would see). A site's copy of a theme partial is never inlined: it runs
sandboxed, called at render time as before.
"""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import nodes
from jinja2.visitor import NodeTransformer

PARTIALS_DIR = "_partials"
_NOT_INLINED = (nodes.Extends, nodes.Block, nodes.Macro, nodes.Import, nodes.FromImport)
# Names Jinja binds by itself inside loops, macros and blocks
_IMPLICIT = frozenset({"loop", "caller", "varargs", "kwargs", "super", "self"})

# The body of the trusted partial `name` called from template `caller`, or None.
Inliner = Callable[[str, str], "list[nodes.Node] | None"]


def partial_target(call: nodes.Call) -> str | None:
    """The file `partial("NAME", k=v)` looks in first, when the call can be inlined."""
    if not (isinstance(call.node, nodes.Name) and call.node.name == "partial"):
        return None
    if len(call.args) != 1 or call.dyn_args is not None or call.dyn_kwargs is not None:
        return None
    name = call.args[0]
    if not isinstance(name, nodes.Const) or not isinstance(name.value, str):
        return None
    value = name.value
    if "/" in value or value.startswith(".") or not value:
        return None
    file = value if value.endswith((".html", ".htm", ".xml", ".txt", ".svg")) else value + ".html"
    return f"{PARTIALS_DIR}/{file}"


def inlinable(body: list[nodes.Node]) -> bool:
    """No blocks, macros, imports or inheritance, and no partial call left to run."""
    for node in body:
        if isinstance(node, _NOT_INLINED) or any(node.find_all(_NOT_INLINED)):
            return False
        for call in node.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "partial":
                return False
    return True


def _names(nodes_: list[nodes.Node], *contexts: str) -> set[str]:
    found = set()
    for node in nodes_:
        found |= {n.name for n in node.find_all(nodes.Name) if n.ctx in contexts}
    return found


class _Inline(NodeTransformer):
    def __init__(self, inline: Inliner, caller: str, assigned: set[str]) -> None:
        self.inline, self.caller = inline, caller
        self.assigned = assigned | _IMPLICIT  # names the caller binds

    def visit_Output(self, node: nodes.Output) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        run: list[nodes.Expr] = []
        for expr in node.nodes:
            body = self._body(expr)
            if body is None:
                run.append(self.visit(expr))
                continue
            assert isinstance(expr, nodes.Call)
            if run:
                out.append(nodes.Output(run, lineno=node.lineno))
                run = []
            targets = [nodes.Name(kw.key, "store", lineno=kw.lineno) for kw in expr.kwargs]
            values = [kw.value for kw in expr.kwargs]
            out.append(nodes.With(targets, values, body, lineno=expr.lineno))
        if run:
            out.append(nodes.Output(run, lineno=node.lineno))
        return out

    def _body(self, expr: nodes.Node) -> list[nodes.Node] | None:
        if not isinstance(expr, nodes.Call):
            return None
        target = partial_target(expr)
        body = self.inline(target, self.caller) if target is not None else None
        if body is None:
            return None
        given = {kw.key for kw in expr.kwargs}
        return None if (_names(body, "load") - given) & self.assigned else body


def inline_partials(tree: nodes.Template, caller: str, inline: Inliner) -> nodes.Template:
    """`tree` with each inlinable partial call replaced by the partial's body."""
    result = _Inline(inline, caller, _names([tree], "store", "param")).visit(tree)
    assert isinstance(result, nodes.Template)
    return result
