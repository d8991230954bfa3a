"""Layer 1: the one YAML loader for front matter and data files, safe against hostile input.

- An impossible date (`2026-02-30`) stays the string it was written as, so whoever reads the
  value reports it at its line instead of PyYAML raising a bare ValueError.
- Aliases may not multiply a document: a "billion laughs" front matter is a few lines that
  expand to billions of values once anything walks it (the render cache's keys, templates). The
  composed node graph is measured before it is turned into Python values; aliases may add at most
  ALIAS_BUDGET values to what the text itself holds, and an alias may not contain itself.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

    YAMLError = yaml.YAMLError

ALIAS_BUDGET = 100_000  # values that aliases may add to a document, over its own


def __getattr__(name: str) -> Any:
    """`yamlsafe.YAMLError` (for `except` clauses, evaluated only when something is raised):
    PyYAML is imported on first use, since a build that reads no YAML (a no-change one) need
    not pay for it."""
    if name == "YAMLError":
        import yaml

        return yaml.YAMLError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def preload() -> None:
    """Import PyYAML and make the loader now: before forking workers that would each do it."""
    _loader()


@functools.cache
def _loader() -> Any:
    import yaml

    # PyYAML's C parser is several times faster than the pure-Python one; the constructor is
    # Python.
    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class SafeLoader(base):  # type: ignore[misc]
        def construct_document(self, node: yaml.Node) -> Any:
            _check_expansion(node)
            return super().construct_document(node)

        def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:  # matches the timestamp pattern, is no day of the calendar
                return self.construct_scalar(node)

    SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)
    return SafeLoader


def load(text: str) -> Any:
    """The value of one YAML document; raises yaml.YAMLError (with a mark) on any problem."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except RecursionError:  # libyaml allows 1000 levels; Python's stack may end first
        raise yaml.constructor.ConstructorError(
            None, None, "values nested too deeply", None
        ) from None


def _check_expansion(root: yaml.Node) -> None:
    import yaml

    """Raise a ConstructorError at the alias that makes `root` expand past the budget."""
    sizes: dict[int, int] = {}  # id(node) -> values it expands to
    open_nodes: set[int] = set()
    unique = 0

    def size(node: yaml.Node) -> int:
        nonlocal unique
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise yaml.constructor.ConstructorError(
                None, None, "an alias that contains itself is not allowed", node.start_mark
            )
        unique += 1
        total = 1
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            open_nodes.add(key)
            children = (
                node.value
                if isinstance(node, yaml.SequenceNode)
                else [n for pair in node.value for n in pair]
            )
            for child in children:
                total += size(child)
                if total > unique + ALIAS_BUDGET:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"aliases expand this document to more than {ALIAS_BUDGET:,} values "
                        "over its own; write the values out or use fewer aliases",
                        child.start_mark,
                    )
            open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)
