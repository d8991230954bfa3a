"""Fixtures: the imitation Nextcloud under a sub-path with a notify_push server (imitation.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.trees import write_tree

from .imitation import PASSWORD, USER, PushServer, nextcloud_app, ws

PREFIX = "nextcloud"
SITE = {
    "sitegen.toml": 'title = "Live"\n',
    "index.md": "---\ntitle: Home\n---\n# Home\n\nThe first version.\n",
    "about.md": "---\ntitle: About\n---\n# About\n",
}


@dataclass
class FakeNextcloud:
    server: ws.RunningServer
    push: PushServer
    site: Path  # alice's folder Website on the server's disk

    @property
    def port(self) -> int:
        return int(self.server.base.rsplit(":", 1)[1])

    def spec(self, folder: str = "Website", user: str = USER, prefix: str = PREFIX) -> str:
        return f"nextcloud+http://{user}@127.0.0.1:{self.port}/{prefix}:/{folder}"


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """sitegen sees only the test password, never the runner's netrc or keyring."""
    monkeypatch.setenv("SITEGEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
def fake_nc(tmp_path: Path) -> Iterator[FakeNextcloud]:
    files = tmp_path / "served"
    site = write_tree(files / "Website", SITE)
    push = PushServer()
    try:
        with ws.serve_wsgi(nextcloud_app(files, PREFIX, push)) as server:
            yield FakeNextcloud(server, push, site)
    finally:
        push.stop()
