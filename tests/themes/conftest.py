"""The example sites built once and served on 127.0.0.1; browser contexts on the shared
Chromium (`chromium`, tests/conftest.py)."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import NOW

REPO = Path(__file__).resolve().parent.parent.parent
AXE = REPO / ".ci/node/node_modules/axe-core/axe.min.js"  # .ci/run installs it with npm


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """example folder name -> the URL it is served at."""
    urls: dict[str, str] = {}
    servers = []
    for example in ("content-example", "docs-example"):
        out = tmp_path_factory.mktemp(example) / "out"
        build_site(REPO / example, out, BuildOptions(now=NOW))
        running = serve(out)
        urls[example] = next(running)
        servers.append(running)
    yield urls
    for running in servers:
        next(running, None)


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
