"""The distribution is `sitegen-nextcloud` (the index's `sitegen` is another project); the
command and the import name stay `sitegen`, and no install instruction names the wrong one."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DIST = "sitegen-nextcloud"
# `pip install X`, `pipx install X`, `pip download X`: X is the distribution named
_INSTALL = re.compile(r"\bpipx? (?:install|download)(?: -[-\w]+(?:=\S+)?)* ['\"]?([\w.\-\[\]]+)")


def _documents() -> list[Path]:
    globs = ("*.md", "docs/**/*.md", "*-example/**/*.md", "netlify.toml", "sitegen/**/*.py")
    return sorted({p for g in globs for p in ROOT.glob(g) if ".venv" not in p.parts})


def test_the_distribution_has_its_own_name_and_keeps_the_command() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DIST
    assert project["scripts"] == {"sitegen": "sitegen.cli.process:run"}


def test_every_install_instruction_names_the_distribution() -> None:
    wrong = []
    for doc in _documents():
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for m in _INSTALL.finditer(line):
                name = m.group(1).split("[")[0]
                if name.startswith("sitegen") and name != DIST:
                    wrong.append(f"{doc.relative_to(ROOT)}:{n}: {m.group(0)}")
            if "pypi.org/project/" in line and f"pypi.org/project/{DIST}/" not in line:
                wrong.append(f"{doc.relative_to(ROOT)}:{n}: {line.strip()}")
    assert wrong == []
