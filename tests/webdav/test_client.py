"""The client's write operations and typed errors against real servers (wsgidav and rclone)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import webdav_servers as ws
from conftest import PASSWORD, Remote

from sitegen.webdav import (
    AuthenticationError,
    Client,
    NotFoundError,
    PreconditionFailedError,
    WebDAVError,
)


@pytest.fixture
def client(remote: Remote) -> Iterator[Client]:
    url = remote.server.base + remote.server.url_prefix + "/Website"
    with Client(url, username=ws.USER, password=PASSWORD) as c:
        yield c


def test_put_get_move_copy_delete(client: Client, remote: Remote, tmp_path: Path) -> None:
    etag = client.put("new #1.md", b"hello", mtime=1_700_000_000)
    client.mkcol("folder & more")
    client.move("new #1.md", "folder & more/moved 100%.md")
    client.copy("folder & more/moved 100%.md", "copy.md")
    assert client.get_bytes("copy.md") == b"hello"
    assert (remote.site / "folder & more" / "moved 100%.md").read_bytes() == b"hello"
    src = tmp_path / "upload.bin"
    src.write_bytes(b"x" * 300_000)
    client.put("big.bin", src)
    got = client.download("big.bin", tmp_path / "back.bin", expected_size=300_000)
    assert got.size == 300_000 and (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    client.delete("folder & more")
    assert not (remote.site / "folder & more").exists()
    assert etag is None or isinstance(etag, str)


def test_overwrite_false_and_if_match(client: Client, remote: Remote) -> None:
    client.put("a.md", b"a")
    client.put("b.md", b"b")
    with pytest.raises(PreconditionFailedError) as info:
        client.move("a.md", "b.md", overwrite=False)
    assert info.value.status == 412 and info.value.path == "a.md"
    client.move("a.md", "b.md", overwrite=True)
    assert (remote.site / "b.md").read_bytes() == b"a"
    if remote.kind != "rclone":  # rclone ignores If-Match on PUT
        with pytest.raises(PreconditionFailedError):
            client.put("b.md", b"c", if_match="not-the-etag")


def test_not_found_is_typed(client: Client) -> None:
    with pytest.raises(NotFoundError) as info:
        client.stat("missing/file.md")
    assert info.value.status == 404 and info.value.path == "missing/file.md"


def test_makedirs(client: Client, remote: Remote) -> None:
    client.makedirs("x/y z/w")
    client.makedirs("x/y z/w")
    assert (remote.site / "x" / "y z" / "w").is_dir()


def test_wrong_password_never_shows(remote: Remote) -> None:
    url = remote.server.base + remote.server.url_prefix + "/Website"
    secret = "Not-The-Password-42"
    with Client(url, username=ws.USER, password=secret) as c:
        with pytest.raises(AuthenticationError) as info:
            c.stat("")
        assert c.request_count == 1
        assert secret not in repr(c)
    assert "rejected the credentials for alice at 127.0.0.1" in str(info.value)
    assert secret not in str(info.value) and secret not in repr(info.value.__dict__)


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(WebDAVError) as info:
        Client("http://alice:Secret-99@127.0.0.1:1/x")
    assert "Secret-99" not in str(info.value)
