"""The example sites built once and served on 127.0.0.1; browser contexts on the shared
Chromium (`chromium`, tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import NOW
from tests.servers.static import serve_folder

REPO = Path(__file__).resolve().parent.parent.parent
AXE = REPO / ".ci/node/node_modules/axe-core/axe.min.js"  # .ci/run installs it with npm


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """example folder name -> the URL it is served at."""
    urls: dict[str, str] = {}
    with ExitStack() as servers:
        for example in ("content-example", "docs-example"):
            out = tmp_path_factory.mktemp(example) / "out"
            build_site(REPO / example, out, BuildOptions(now=NOW))
            urls[example] = servers.enter_context(serve_folder(out))
        yield urls


@pytest.fixture
def context(chromium: Any) -> Iterator[Any]:
    ctx = chromium.new_context()
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: .ci/run installs axe-core with npm")
        pytest.skip("axe-core is not installed (npm install --prefix .ci/node axe-core@4)")
    return AXE.read_text(encoding="utf-8")
