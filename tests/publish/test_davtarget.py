from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath

import httpx
import pytest

from sitegen.errors import PublishError, SitegenError
from sitegen.publish.log import verify
from sitegen.publish.manifest import MANIFEST_PATH
from sitegen.publish.plan import DeleteCap
from sitegen.publish.runner import PublishOptions, publish_tree
from tests.publish.conftest import Dav
from tests.publish.helpers import write_tree

V1: dict[str, str | bytes] = {
    "index.html": '<link href="css/site.v1.css"><img src="img/a.png"><a href="about.html">a</a>',
    "about.html": '<link href="css/site.v1.css"><a href="index.html">home</a>',
    "old.html": '<link href="css/site.v1.css">',
    "css/site.v1.css": "body{background:url(../img/a.png)}",
    "img/a.png": b"A" * 100,
    "CNAME": "example.org",
}
V2: dict[str, str | bytes] = {
    "index.html": '<link href="css/site.v2.css"><img src="img/b/c.png">'
    '<a href="news/new.html">n</a>',
    "about.html": '<link href="css/site.v2.css"><script src="js/app.js"></script>',
    "news/new.html": '<link href="../css/site.v2.css"><img src="../img/b/c.png">',
    "css/site.v2.css": "body{background:url(../img/b/c.png)}",
    "js/app.js": "console.log(2)",
    "img/a.png": b"A" * 100,
    "img/b/c.png": b"C" * 100,
}
ALL = PublishOptions(max_delete=DeleteCap(percent=100))


def broken_links(root: Path) -> list[str]:
    """Every link of every page present that points at a file not present."""
    bad = []
    for page in root.rglob("*.html"):
        rel = page.relative_to(root)
        for ref in re.findall(r'(?:href|src)="([^"]+)"', page.read_text()):
            target = PurePosixPath(rel.parent.as_posix()) / ref
            resolved = Path(root, *_normalise(target.parts))
            if not resolved.is_file():
                bad.append(f"{rel} -> {ref}")
    return bad


def _normalise(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for p in parts:
        if p == "..":
            out.pop()
        elif p not in (".", ""):
            out.append(p)
    return out


def test_publish_uploads_only_changes_and_a_no_change_publish_only_reads(
    tmp_path: Path, dav: Dav
) -> None:
    cache = tmp_path / "cache"
    out = write_tree(tmp_path / "out", V1)
    t = dav.target(cache=cache)
    publish_tree(out, t, PublishOptions())
    assert (dav.root / "index.html").read_text() == V1["index.html"]
    assert (dav.root / MANIFEST_PATH).is_file()
    assert verify(dav.target()) == []

    dav.server.log.clear()
    again = dav.target(cache=cache)
    assert not publish_tree(out, again, PublishOptions()).applied
    assert dav.server.log.entries == [("PROPFIND", "/remote.php/dav/files/alice/")]

    (out / "about.html").write_text("changed")
    dav.server.log.clear()
    publish_tree(out, dav.target(cache=cache), PublishOptions())
    # the listing, the lease, the page, one journal record (manifest delta and log record),
    # the lease's release: changed + 4
    assert dav.server.log.entries[1:] == [
        ("PUT", "/remote.php/dav/files/alice/.sitegen/lease.json"),
        ("PUT", "/remote.php/dav/files/alice/about.html"),
        ("PUT", "/remote.php/dav/files/alice/.sitegen/journal/000002.json"),
        ("DELETE", "/remote.php/dav/files/alice/.sitegen/lease.json"),
    ]


@pytest.mark.parametrize("cut", range(1, 19))
def test_a_killed_publish_never_leaves_a_page_with_missing_files_and_is_resumed(
    tmp_path: Path, dav: Dav, cut: int
) -> None:
    publish_tree(write_tree(tmp_path / "v1", V1), dav.target(), ALL)
    out = write_tree(tmp_path / "v2", V2)
    dav.killer.budget = cut  # the server dies after `cut` more requests
    with pytest.raises(SitegenError):
        publish_tree(out, dav.target(retry=False), ALL)
    dav.killer.budget = None
    assert broken_links(dav.root) == []

    publish_tree(out, dav.target(), ALL)  # the next run completes it
    assert broken_links(dav.root) == []
    assert not (dav.root / "old.html").exists() and (dav.root / "CNAME").exists()
    assert (dav.root / "news/new.html").read_text() == V2["news/new.html"]
    assert verify(dav.target()) == []


def test_every_cut_point_is_exercised(tmp_path: Path, dav: Dav) -> None:
    """The cuts above (the server dies after 1..18 requests) cover every point of the publish:
    it takes 19 requests, the last two being the marker that its deletes are done and the
    release of the lease. (This server, like Nextcloud before 32, makes no folder for a PUT
    asking it to: the first such PUT, of img/b/c.png, is answered 409, then MKCOLs as before.)"""
    publish_tree(write_tree(tmp_path / "v1", V1), dav.target(), ALL)
    dav.server.log.clear()
    publish_tree(write_tree(tmp_path / "v2", V2), dav.target(), ALL)
    assert len(dav.server.log.entries) == 19
    assert dav.server.log.entries[-2:] == [
        ("PUT", "/remote.php/dav/files/alice/.sitegen/journal/000002.done"),
        ("DELETE", "/remote.php/dav/files/alice/.sitegen/lease.json"),
    ]


def test_a_hand_edit_on_the_server_is_not_overwritten(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", V1)
    publish_tree(out, dav.target(), PublishOptions())
    (dav.root / "about.html").write_text("edited in Nextcloud, longer than before")
    (out / "about.html").write_text("new about")
    with pytest.raises(PublishError, match=r"about\.html: changed on the target since the last"):
        publish_tree(out, dav.target(), PublishOptions())
    publish_tree(out, dav.target(overwrite_conflicts=True), PublishOptions())
    assert (dav.root / "about.html").read_text() == "new about"
    assert verify(dav.target()) == []


def test_refused_names_stop_the_publish_before_any_upload(tmp_path: Path, dav: Dav) -> None:
    out = write_tree(tmp_path / "out", {**V1, ".htaccess": "Deny", "dl/x.part": "p"})
    dav.server.log.clear()
    with pytest.raises(PublishError, match=r"(?s)\.htaccess: Nextcloud refuses.*dl/x\.part"):
        publish_tree(out, dav.target(), PublishOptions())
    assert dav.server.log.methods() == ["PROPFIND"]
    assert list(dav.root.iterdir()) == []


def test_delete_cap_refuses_without_yes(tmp_path: Path, dav: Dav) -> None:
    publish_tree(write_tree(tmp_path / "out", V1), dav.target(), PublishOptions())
    out = write_tree(tmp_path / "out", {"index.html": "only"})
    dav.server.log.clear()
    with pytest.raises(PublishError, match="refusing to delete 4 of the target's 6 files"):
        publish_tree(out, dav.target(), PublishOptions())
    assert dav.server.log.methods() == ["PROPFIND", "GET", "GET"]
    publish_tree(out, dav.target(), PublishOptions(confirmed=True))
    assert sorted(p.name for p in dav.root.iterdir() if p.is_file()) == ["CNAME", "index.html"]


def test_verify_reports_a_tampered_dav_target(tmp_path: Path, dav: Dav) -> None:
    publish_tree(write_tree(tmp_path / "out", V1), dav.target(), PublishOptions())
    (dav.root / "img/a.png").write_bytes(b"evil")
    (dav.root / "old.html").unlink()
    problems = [str(d) for d in verify(dav.target())]
    assert problems[0].startswith("img/a.png: changed since it was published")
    assert problems[1] == "old.html: missing: published but not on the target"


def test_large_files_go_through_the_chunked_uploader(tmp_path: Path, dav: Dav) -> None:
    calls: list[str] = []

    def fake_chunked(client, path, source, *, mtime, if_match):  # type: ignore[no-untyped-def]
        calls.append(path)
        return client.put(path, source)

    out = write_tree(tmp_path / "out", {"index.html": "x", "video.mp4": b"\0" * (10 << 20)})
    publish_tree(out, dav.target(chunked=fake_chunked), PublishOptions())
    assert calls == ["video.mp4"]
    shutil.rmtree(out)


def test_public_link_is_created_once_then_reused(dav: Dav) -> None:
    from sitegen.publish.davtarget import OCS_SHARES, public_link
    from tests.webdav.webdav_servers import serve_wsgi

    shares: list[dict[str, object]] = []

    def ocs(environ, start_response):  # type: ignore[no-untyped-def]
        import json
        from urllib.parse import parse_qs

        if environ.get("HTTP_OCS_APIREQUEST") != "true":
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"ocs":{"meta":{"statuscode":997,"message":"CSRF check failed"},"data":[]}}']
        qs = parse_qs(environ.get("QUERY_STRING", ""))
        if environ["REQUEST_METHOD"] == "POST":
            form = parse_qs(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])).decode())
            share = {
                "id": len(shares) + 1,
                "share_type": int(form["shareType"][0]),
                "path": form["path"][0],
                "url": f"https://cloud.test/s/tok{len(shares)}",
            }
            shares.append(share)
            data: object = share
        else:
            data = [s for s in shares if s["path"] == qs["path"][0]]
        body = json.dumps({"ocs": {"meta": {"statuscode": 200, "message": "OK"}, "data": data}})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body.encode()]

    with serve_wsgi(ocs) as srv, httpx.Client(auth=("alice", "pw")) as http:
        first = public_link(http, srv.base, "Website")
        second = public_link(http, srv.base, "/Website/")
        assert first == second == "https://cloud.test/s/tok0"
        assert srv.log.methods() == ["GET", "POST", "GET"]
        refused = httpx.get(srv.base + OCS_SHARES, params={"path": "/Website"})
        assert refused.status_code == 401  # without OCS-APIRequest, as on Nextcloud
