"""ARCHITECTURE.md's layers: a module imports only from its own layer or the layers below."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "sitegen"

LAYERS = {
    "__init__": 0,
    "errors": 0,
    "config": 1,
    "model": 1,
    "frontmatter": 1,
    "changes": 1,
    "datafiles": 1,
    "yamlsafe": 1,
    "render": 2,
    "build": 3,
    "publish.plan": 3,
    "publish.manifest": 3,
    "webdav": 4,
    "sources": 4,
    "publish": 4,
    "serve": 5,
    "schedule": 5,
    "cli": 5,
    "nextcloud_app": 5,
    "__main__": 5,
}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    return None


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            rel = path.relative_to(PACKAGE).with_suffix("").parts
            base = list(rel[: len(rel) - node.level])
            out.append(".".join(["sitegen", *base, *(node.module or "").split(".")]).rstrip("."))
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return [m for m in out if m == "sitegen" or m.startswith("sitegen.")]


def test_no_module_imports_a_higher_layer() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        own = layer_of(module)
        assert own is not None, f"{module} has no layer in ARCHITECTURE.md"
        for imported in imports(path):
            target = layer_of(imported.removeprefix("sitegen.")) if imported != "sitegen" else 0
            if target is not None and target > own:
                wrong.append(f"{module} (layer {own}) imports {imported} (layer {target})")
    assert wrong == []
