"""Fixtures: real WebDAV servers on 127.0.0.1 (wsgidav in-process, plain and Nextcloud-like,
and `rclone serve webdav`), a site folder on the server side, and a private cache folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import webdav_servers as ws

from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import RetryPolicy

PASSWORD = ws.PASSWORD


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only the test password, never the runner's netrc or keyring."""
    monkeypatch.setenv("SITEGEN_PASSWORD", PASSWORD)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@dataclass
class Remote:
    """A running server and the site folder it serves."""

    server: ws.RunningServer
    site: Path  # the server-side folder (on disk) behind the source URL
    spec: str  # the source URL

    @property
    def kind(self) -> str:
        return self.server.kind

    def source(
        self, cache: Path, *, jobs: int = 4, retry: RetryPolicy | None = None, offline: bool = False
    ) -> RemoteSource:
        location = parse_location(self.spec)
        assert isinstance(location, RemoteLocation)
        return RemoteSource(
            location, cache_dir=cache, jobs=jobs, offline=offline, retry=retry or FAST_RETRY
        )


FAST_RETRY = RetryPolicy(attempts=3, sleep=lambda s: None, jitter=lambda d: d)

SERVER_KINDS = [
    "wsgidav",
    "wsgidav-nc",
    pytest.param(
        "rclone",
        marks=[
            pytest.mark.rclone,
            pytest.mark.skipif(
                ws.rclone_path() is None, reason="rclone is not installed (apt-get install rclone)"
            ),
        ],
    ),
]


@pytest.fixture(params=SERVER_KINDS)
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Remote]:
    served = tmp_path / "served"
    site = served / "Website"
    site.mkdir(parents=True)
    kind = request.param
    if kind == "rclone":
        with ws.serve_rclone(served) as srv:
            port = srv.base.rsplit(":", 1)[1]
            yield Remote(srv, site, f"webdav+http://{ws.USER}@127.0.0.1:{port}/Website")
    else:
        with ws.serve_wsgidav(served, nextcloud_like=kind == "wsgidav-nc") as srv:
            port = srv.base.rsplit(":", 1)[1]
            yield Remote(srv, site, f"nextcloud+http://{ws.USER}@127.0.0.1:{port}/Website")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def write_tree(root: Path, files: dict[str, bytes | str | None]) -> None:
    """Create files (None: an empty folder) below root."""
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def read_tree(root: Path) -> dict[str, bytes | None]:
    """Files (and empty folders, as None) below root, keyed by POSIX relative path."""
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file():
            out[rel] = path.read_bytes()
        elif path.is_dir() and not any(path.iterdir()):
            out[rel] = None
    return out
