"""The `nextcloud` fixture gives a real, working Nextcloud 34 (and the quirks its README lists)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from sitegen.sources import parse_location
from sitegen.sources.url import RemoteLocation
from tests.servers.faultproxy import FaultProxy, Rule
from tests.servers.nextcloud import NextcloudServer

pytestmark = pytest.mark.nextcloud

PROPFIND_0 = {"Depth": "0"}
Proxy = Callable[..., FaultProxy]


def test_webdav_basics_and_quirks(nextcloud: NextcloudServer) -> None:
    folder = nextcloud.new_folder("basics")
    assert folder != nextcloud.new_folder("basics")
    base = nextcloud.dav_url(folder)
    with nextcloud.client() as http:
        assert http.request("PROPFIND", base, headers=PROPFIND_0).status_code == 404
        assert http.request("MKCOL", base).status_code == 201
        assert http.put(f"{base}/a b.md", content=b"hello").status_code == 201
        assert http.get(f"{base}/a%20b.md").content == b"hello"
        listing = http.request("PROPFIND", base, headers={"Depth": "1"})
        assert listing.status_code == 207
        assert f"/remote.php/dav/files/alice/{folder}/a%20b.md" in listing.text
        missing_parent = http.request("MKCOL", f"{base}/no/such")
        assert missing_parent.status_code == 409
        assert "Parent node does not exist" in missing_parent.text
        part = http.put(f"{base}/upload.part", content=b"x")
        assert part.status_code == 400
        assert "forbidden" in part.text.lower()
    # a fresh client: Nextcloud's session cookie would let even a wrong password in
    wrong = httpx.request("PROPFIND", base, headers=PROPFIND_0, auth=("alice", "wrong"), timeout=60)
    assert wrong.status_code == 401


def test_files_written_on_disk_appear_after_a_scan(nextcloud: NextcloudServer) -> None:
    folder = nextcloud.new_folder("scan")
    (nextcloud.local_path(folder) / "sub").mkdir(parents=True)
    (nextcloud.local_path(folder) / "sub" / "page.md").write_text("on disk")
    nextcloud.scan(folder)
    with nextcloud.client() as http:
        assert http.get(nextcloud.dav_url(f"{folder}/sub/page.md")).text == "on disk"


def test_urls_and_occ(nextcloud: NextcloudServer) -> None:
    location = parse_location(nextcloud.sitegen_url("Public/my site"))
    assert isinstance(location, RemoteLocation)
    assert location.root_url == nextcloud.dav_url("Public/my site") + "/"
    assert nextcloud.url == f"http://127.0.0.1:{nextcloud.port}"
    assert "alice" in nextcloud.occ("user:list")
    assert len(nextcloud.app_password) >= 32


def test_through_the_fault_proxy(nextcloud: NextcloudServer, fault_proxy: Proxy) -> None:
    """Nextcloud accepts the proxy's Host (trusted_domains) and its MOVE Destination."""
    proxy = fault_proxy(nextcloud.url, rules=[Rule("reset_after", method="PUT")])
    folder = nextcloud.new_folder("proxy")
    base = nextcloud.dav_url(folder, port=proxy.port)
    assert base.startswith(proxy.url + "/remote.php/dav/files/alice/proxy-")
    assert nextcloud.sitegen_url(folder, port=proxy.port).startswith(
        f"nextcloud+http://alice@127.0.0.1:{proxy.port}/proxy-"
    )
    with nextcloud.client() as http:
        assert http.request("MKCOL", base).status_code == 201
        with pytest.raises(httpx.TransportError):
            http.put(f"{base}/a.txt", content=b"lost answer")
        moved = http.request("MOVE", f"{base}/a.txt", headers={"Destination": f"{base}/b.txt"})
        assert moved.status_code == 201
        assert http.get(nextcloud.dav_url(f"{folder}/b.txt")).content == b"lost answer"
    assert [(e.method, e.fault, e.status) for e in proxy.log()] == [
        ("MKCOL", None, 201),
        ("PUT", "reset_after", 201),
        ("MOVE", None, 201),
    ]
