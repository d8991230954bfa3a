"""Fixtures: real WebDAV servers on 127.0.0.1 (wsgidav in-process, plain and Nextcloud-like,
`rclone serve webdav`, and for the tests that opt in with REAL_SERVER_KINDS the real Nextcloud of
tests/servers), a site folder on the server side, and a private cache folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import webdav_servers as ws

from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import RetryPolicy
from tests.servers.nextcloud import NextcloudServer
from tests.trees import write_tree
from tests.webdav import process_servers

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
    nextcloud: NextcloudServer | None = None  # the real one, for the "nextcloud" kind

    @property
    def kind(self) -> str:
        return self.server.kind

    @property
    def password(self) -> str:
        return self.nextcloud.app_password if self.nextcloud else PASSWORD

    def write(self, files: dict[str, bytes | str | None]) -> None:
        """Put files on the server: on disk, or for Nextcloud through WebDAV like a client."""
        if self.nextcloud is None:
            write_tree(self.site, files)
        else:
            self.nextcloud.upload(self.site.name, files)

    def edited(self) -> None:
        """Tell the server that files below `site` changed on its disk (Nextcloud rescans them;
        the other servers read the disk on every request)."""
        if self.nextcloud is not None:
            self.nextcloud.scan(self.site.name)

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
                process_servers.rclone_path() is None,
                reason="rclone is not installed (apt-get install rclone)",
            ),
        ],
    ),
]


# The real Nextcloud too: for the tests about real server behaviour, with
# `@pytest.mark.parametrize("remote", REAL_SERVER_KINDS, indirect=True)`. Their edits on the
# server's disk must be followed by `remote.edited()`.
REAL_SERVER_KINDS = [*SERVER_KINDS, pytest.param("nextcloud", marks=pytest.mark.nextcloud)]


def nextcloud_remote(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Remote:
    nc: NextcloudServer = request.getfixturevalue("nextcloud")
    folder = nc.new_folder("Website")
    site = nc.local_path(folder)
    site.mkdir(parents=True)
    nc.scan(folder)
    monkeypatch.setenv("SITEGEN_PASSWORD", nc.app_password)

    def stop() -> None:
        raise RuntimeError("the shared Nextcloud is not stopped by a test")

    server = ws.RunningServer(
        nc.url, ws.RequestLog(), stop, nc.files_dir, "nextcloud", nc.dav_url().removeprefix(nc.url)
    )
    return Remote(server, site, nc.sitegen_url(folder), nc)


@pytest.fixture(params=SERVER_KINDS)
def remote(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Remote]:
    if request.param == "nextcloud":
        yield nextcloud_remote(request, monkeypatch)
        return
    served = tmp_path / "served"
    site = served / "Website"
    site.mkdir(parents=True)
    kind = request.param
    if kind == "rclone":
        with process_servers.serve_rclone(served) as srv:
            port = srv.base.rsplit(":", 1)[1]
            yield Remote(srv, site, f"webdav+http://{ws.USER}@127.0.0.1:{port}/Website")
    else:
        with ws.serve_wsgidav(served, nextcloud_like=kind == "wsgidav-nc") as srv:
            port = srv.base.rsplit(":", 1)[1]
            yield Remote(srv, site, f"nextcloud+http://{ws.USER}@127.0.0.1:{port}/Website")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"
