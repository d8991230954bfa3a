"""docs/architecture.md's layers: a module imports only from its own package or a lower rank.

Each part of the package has a rank `layer.step`: the layer is the architecture's (0 errors ...
5 front ends), the step orders the parts within a layer (the scheduler below the runner below
the front ends). Parts of the same rank are siblings and may not import each other; within one
package, a part may not import a part of a higher rank (publish.plan may not import the rest of
publish). Every module must have a rank, every import of sitegen must resolve to one, and
`from P import X` is the import of `P.X` where that is a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "sitegen"

RANKS: dict[str, float] = {
    "__init__": 0.0,
    "errors": 0.1,
    "yamlsafe": 1.0,
    "simpleyaml": 1.0,
    "frontmatter": 1.1,
    "changes": 1.1,
    "datafiles": 1.2,
    "config": 1.3,
    "model": 1.4,
    "render": 2.0,
    "compiler": 3.0,
    "publish.plan": 3.0,
    "publish.manifest": 3.0,
    "webdav": 4.0,
    "sources": 4.1,
    "publish": 4.1,
    "schedule": 5.0,
    "run": 5.1,
    "serve": 5.2,
    "nextcloud_app": 5.2,
    "cli": 5.3,
    "__main__": 5.4,
}


def part_of(module: str) -> str | None:
    """The RANKS key a dotted module name (without `sitegen.`) belongs to."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in RANKS:
            return key
    return None


def imports(path: Path, source: str | None = None) -> list[str]:
    """The sitegen modules `path` imports, without the `sitegen.` prefix."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    rel = path.relative_to(PACKAGE).with_suffix("").parts
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel[: len(rel) - node.level])
                module = ".".join(["sitegen", *base, *(node.module or "").split(".")]).rstrip(".")
            else:
                module = node.module or ""
            out += [_from_import(module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return [m.removeprefix("sitegen.") for m in out if m.startswith("sitegen.")]


def _from_import(module: str, name: str) -> str:
    """What `from module import name` imports: the module `module.name` where there is one
    (`from sitegen import cli` is sitegen.cli), else `module` itself (`from sitegen import X`
    of a name is sitegen's __init__)."""
    if _is_module(f"{module}.{name}"):
        return f"{module}.{name}"
    return "sitegen.__init__" if module == "sitegen" else module


def _is_module(dotted: str) -> bool:
    parts = dotted.split(".")[1:]  # without the leading `sitegen`
    if not parts or dotted.split(".")[0] != "sitegen":
        return False
    folder = PACKAGE.joinpath(*parts)
    return folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")


def wrong_imports(path: Path, source: str | None = None) -> list[str]:
    module = module_name(path)
    own = part_of(module)
    if own is None:
        return [f"{module} has no rank in tests/test_layers.py (docs/architecture.md)"]
    wrong = []
    for imported in imports(path, source):
        target = part_of(imported)
        if target is None:
            wrong.append(f"{module} imports sitegen.{imported}, which has no rank")
        elif target.split(".")[0] == own.split(".")[0]:  # within one package: not upwards
            if RANKS[target] > RANKS[own]:  # (publish.plan, 3.0, under the rest of publish)
                wrong.append(
                    f"{module} ({RANKS[own]}) imports sitegen.{imported} ({RANKS[target]}): "
                    "a higher rank of its own package"
                )
        elif RANKS[target] >= RANKS[own]:
            wrong.append(
                f"{module} ({RANKS[own]}) imports sitegen.{imported} ({RANKS[target]}): "
                + ("a sibling" if RANKS[target] == RANKS[own] else "a higher rank")
            )
    return wrong


def test_no_module_imports_a_higher_rank_or_a_sibling() -> None:
    wrong = [w for path in sorted(PACKAGE.rglob("*.py")) for w in wrong_imports(path)]
    assert wrong == []


@pytest.mark.parametrize(
    "module, planted",
    [
        ("errors.py", "from sitegen import cli"),  # `from sitegen import X` is sitegen.X
        ("render/sass.py", "from sitegen.publish import runner"),
        ("publish/runner.py", "import sitegen.sources.url"),  # a sibling of the same layer
        ("schedule/scheduler.py", "from sitegen.run import run_pipeline"),  # layer 5, upwards
        ("model.py", "import sitegen.nosuchthing"),  # an unknown module is not ignored
        ("errors.py", "from . import cli"),  # the relative spelling of `from sitegen import X`
        ("render/sass.py", "from ..publish import runner"),  # relative, out of the package
        ("publish/plan.py", "from sitegen.publish import runner"),  # own package, higher part
        ("publish/manifest.py", "from . import davtarget"),  # the same, relative
        ("compiler/pipeline.py", "from sitegen.publish import davtarget"),  # X of a package
    ],
)
def test_the_layer_test_fails_on_a_planted_bad_import(module: str, planted: str) -> None:
    path = PACKAGE / module
    source = path.read_text(encoding="utf-8") + f"\n{planted}\n"
    assert wrong_imports(path) == []
    assert wrong_imports(path, source) != []


def test_a_module_without_a_rank_is_reported() -> None:
    assert wrong_imports(PACKAGE / "newpart.py", "") == [
        "newpart has no rank in tests/test_layers.py (docs/architecture.md)"
    ]
