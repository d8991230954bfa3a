"""Publishing to the real Nextcloud 34 of ../shared/nextcloud, directly and through the fault
proxy: the first publish into a folder that does not exist, retries of every request kind,
a publish cut at chosen requests then finished by the next, drift repair, and the lease."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.errors import PublishError, SitegenError
from sitegen.publish.davtarget import DavTarget
from sitegen.publish.lease import LEASE_PATH, LeaseInfo, TargetBusy
from sitegen.publish.log import verify
from sitegen.publish.manifest import manifest_of_tree
from sitegen.publish.runner import publish_tree
from sitegen.publish.storetarget import StoreTarget
from sitegen.webdav import NO_RETRY, Client, RetryPolicy
from tests.publish.helpers import write_tree
from tests.publish.test_crash_steps import V3, broken
from tests.publish.test_davtarget import ALL, V1, V2
from tests.servers.faultproxy import FaultProxy, Rule
from tests.servers.nextcloud import NextcloudServer

pytestmark = pytest.mark.nextcloud
Proxy = Callable[..., FaultProxy]
FAST_RETRY = RetryPolicy(attempts=8, base_delay=0.05, max_delay=1.0, deadline=60.0)


def target(
    nc: NextcloudServer, folder: str, *, via: str | None = None, retry: bool = True, **kw: object
) -> StoreTarget:
    base = (via or nc.url) + f"/remote.php/dav/files/{nc.user}/{folder}"
    client = Client(
        base,
        username=nc.user,
        password=nc.app_password,
        server_name="Nextcloud",
        retry=FAST_RETRY if retry else NO_RETRY,
    )
    return DavTarget(client, label=f"nextcloud:{folder}", **kw)  # type: ignore[arg-type]


def held(nc: NextcloudServer, folder: str) -> dict[str, bytes]:
    root = nc.files_dir / folder
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".sitegen" not in p.relative_to(root).parts
    }


def as_bytes(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


def test_first_publish_creates_the_folder_and_its_parents(
    tmp_path: Path, nextcloud: NextcloudServer
) -> None:
    folder = f"{nextcloud.new_folder('Public')}/deep/site"
    out = write_tree(tmp_path / "out", V1)
    cache = tmp_path / "cache"
    assert publish_tree(out, target(nextcloud, folder, cache_dir=cache), ALL).applied
    assert held(nextcloud, folder) == as_bytes(V1)
    assert verify(target(nextcloud, folder)) == []
    again = target(nextcloud, folder, cache_dir=cache)
    assert not publish_tree(out, again, ALL).applied
    assert again.store.request_count == 1  # the one listing


def test_publishes_through_faults_succeed_or_fail_cleanly_and_converge(
    tmp_path: Path, nextcloud: NextcloudServer, fault_proxy: Proxy
) -> None:
    """A few percent of every fault kind on every request; three versions published in turn."""
    folder = nextcloud.new_folder("faults")
    rates = {
        "reset_before": 0.03,
        "reset_after": 0.03,
        "status_503": 0.03,
        "status_429": 0.03,
        "status_502": 0.02,
        "truncate": 0.03,
    }
    proxy = fault_proxy(nextcloud.url, seed=7, rates=rates, retry_after="0")
    outcomes = []
    for n, version in enumerate([V1, V2, V3, V2]):
        out = write_tree(tmp_path / f"v{n}", version)
        try:
            publish_tree(out, target(nextcloud, folder, via=proxy.url), ALL)
            outcomes.append("ok")
        except SitegenError as e:  # a clean failure: named, and the site consistent
            outcomes.append(str(e).splitlines()[0])
        assert broken(held(nextcloud, folder)) == []
    assert proxy.faults(), "the proxy injected nothing"
    assert outcomes.count("ok") >= 3, outcomes
    final = write_tree(tmp_path / "final", V2)
    publish_tree(final, target(nextcloud, folder), ALL)
    assert held(nextcloud, folder) == {**as_bytes(V2), "CNAME": b"example.org"}
    assert verify(target(nextcloud, folder)) == []


@pytest.mark.parametrize("cut", [3, 7, 11, 13, 15])
def test_a_publish_cut_at_a_request_is_finished_by_the_next(
    tmp_path: Path, nextcloud: NextcloudServer, fault_proxy: Proxy, cut: int
) -> None:
    folder = nextcloud.new_folder("cut")
    publish_tree(write_tree(tmp_path / "v1", V1), target(nextcloud, folder, workers=1), ALL)
    proxy = fault_proxy(nextcloud.url, rules=[Rule("reset_after", nth=cut, times=1)])
    with pytest.raises(SitegenError):
        publish_tree(
            write_tree(tmp_path / "v2", V2),
            target(nextcloud, folder, via=proxy.url, retry=False, workers=1),
            ALL,
        )
    assert broken(held(nextcloud, folder)) == []
    publish_tree(write_tree(tmp_path / "v3", V3), target(nextcloud, folder), ALL)
    assert held(nextcloud, folder) == {**as_bytes(V3), "CNAME": b"example.org"}
    assert verify(target(nextcloud, folder)) == []


def test_drift_is_reported_then_repaired(tmp_path: Path, nextcloud: NextcloudServer) -> None:
    folder = nextcloud.new_folder("drift")
    out = write_tree(tmp_path / "out", V1)
    publish_tree(out, target(nextcloud, folder), ALL)
    with nextcloud.client() as http:
        base = nextcloud.dav_url(folder)
        assert http.put(f"{base}/about.html", content=b"<script>evil()</script>").is_success
        assert http.put(f"{base}/extra.txt", content=b"left by hand").is_success
        assert http.delete(f"{base}/img/a.png").is_success
    outcome = publish_tree(out, target(nextcloud, folder), ALL)
    assert [str(d) for d in outcome.drift] == [
        "about.html: changed on the target since the last publish (publish --repair restores it)",
        "extra.txt: on the target but not in the last publish (publish --repair deletes it)",
        "img/a.png: missing on the target since the last publish (publish --repair restores it)",
    ]
    assert len(verify(target(nextcloud, folder))) == 3
    publish_tree(out, target(nextcloud, folder, repair=True), ALL)
    assert held(nextcloud, folder) == as_bytes(V1)
    assert verify(target(nextcloud, folder)) == []


def test_a_live_lease_elsewhere_keeps_a_second_publisher_out(
    tmp_path: Path, nextcloud: NextcloudServer
) -> None:
    folder = nextcloud.new_folder("lease")
    out = write_tree(tmp_path / "out", V1)
    publish_tree(out, target(nextcloud, folder), ALL)
    other = LeaseInfo("bob", "other-host", 4242, time.time() + 600, {})
    with nextcloud.client() as http:
        lease_url = f"{nextcloud.dav_url(folder)}/{LEASE_PATH}"
        assert http.put(lease_url, content=other.to_bytes()).is_success
        write_tree(out, V2)
        with pytest.raises(TargetBusy, match=r"being published by bob on other-host \(pid 4242\)"):
            publish_tree(out, target(nextcloud, folder), ALL)
        assert held(nextcloud, folder) == as_bytes(V1)  # nothing was touched
        expired = LeaseInfo("bob", "other-host", 4242, time.time() - 1, {})
        assert http.put(lease_url, content=expired.to_bytes()).is_success
        publish_tree(out, target(nextcloud, folder), ALL)  # an expired lease is broken
        assert http.get(lease_url).status_code == 404  # and ours released
    assert held(nextcloud, folder) == {**as_bytes(V2), "CNAME": b"example.org"}


def test_the_lease_records_the_intent_before_the_first_upload(
    tmp_path: Path, nextcloud: NextcloudServer, fault_proxy: Proxy
) -> None:
    folder = nextcloud.new_folder("intent")
    publish_tree(write_tree(tmp_path / "v1", V1), target(nextcloud, folder), ALL)
    proxy = fault_proxy(nextcloud.url, rules=[Rule("reset_before", method="PUT", path=r"\.html$")])
    with pytest.raises(PublishError):
        publish_tree(
            write_tree(tmp_path / "v2", V2),
            target(nextcloud, folder, via=proxy.url, retry=False, workers=1),
            ALL,
        )
    lease = json.loads((nextcloud.files_dir / folder / LEASE_PATH).read_bytes())
    assert lease["host"] == socket.gethostname()
    assert lease["expires"] <= time.time() + 1  # abandoned: breakable at once
    want = manifest_of_tree(tmp_path / "v2")
    assert lease["intent"]["news/new.html"] == [want["news/new.html"].sha256]


def test_a_lost_answer_to_the_lease_is_not_taken_for_another_publisher(
    tmp_path: Path, nextcloud: NextcloudServer, fault_proxy: Proxy
) -> None:
    folder = nextcloud.new_folder("lostlease")
    publish_tree(write_tree(tmp_path / "v1", V1), target(nextcloud, folder), ALL)
    proxy = fault_proxy(
        nextcloud.url, rules=[Rule("reset_after", method="PUT", path=r"lease\.json$")]
    )
    publish_tree(write_tree(tmp_path / "v2", V2), target(nextcloud, folder, via=proxy.url), ALL)
    assert proxy.faults() == ["reset_after"]
    assert held(nextcloud, folder) == {**as_bytes(V2), "CNAME": b"example.org"}
    assert not (nextcloud.files_dir / folder / LEASE_PATH).exists()


def test_a_first_publish_sends_small_new_files_in_bulk(
    tmp_path: Path, nextcloud: NextcloudServer, fault_proxy: Proxy
) -> None:
    """Nextcloud's bulk upload: one request per 100 small new files, plus one per folder."""
    folder = nextcloud.new_folder("bulk")
    files: dict[str, str | bytes] = {f"p/{i:03d}.html": f"<p>page {i}</p>" for i in range(250)}
    files |= {"css/site.css": "body{}", "img/a.png": b"\x89PNG" + bytes(range(256)) * 8}
    out = write_tree(tmp_path / "out", files)
    proxy = fault_proxy(nextcloud.url)  # no faults: it only counts
    publish_tree(out, target(nextcloud, folder, via=proxy.url), ALL)
    methods = [e.method for e in proxy.log()]
    # one POST per 100 files of each upload group: the image, the stylesheet, then the pages
    # (100 + 100 + 50), in that order
    assert methods.count("POST") == 5
    assert methods.count("PUT") == 3  # the lease, the base, the record
    assert sorted(set(methods)) == ["DELETE", "MKCOL", "POST", "PROPFIND", "PUT"]
    # the listing, 6 folders (the target, .sitegen, css, img, p, .sitegen/journal), 3 PUTs,
    # 5 POSTs, the lease released: 1 request per folder + 1 per 100 small files + 5
    assert len(methods) == 1 + 6 + 3 + 5 + 1
    assert held(nextcloud, folder) == as_bytes(files)
    assert verify(target(nextcloud, folder)) == []


def test_without_bulk_a_new_folder_is_made_by_the_put_of_its_first_file(
    tmp_path: Path, nextcloud: NextcloudServer, fault_proxy: Proxy
) -> None:
    """X-NC-WebDAV-Auto-Mkcol (Nextcloud 32+): where each file goes by its own PUT, a new folder
    with no new folder below it is made by the PUT of its first file, not by a MKCOL; folders
    holding folders are made first."""
    folder = nextcloud.new_folder("opened")
    files: dict[str, str | bytes] = {f"p/{i:03d}/index.html": f"page {i}" for i in range(20)}
    files |= {"css/site.css": "body{}", "css/print.css": "p{}", "p/index.html": "pages"}
    out = write_tree(tmp_path / "out", files)
    proxy = fault_proxy(nextcloud.url)  # no faults: it only counts
    publish_tree(out, target(nextcloud, folder, via=proxy.url, bulk=False), ALL)
    sent = [(e.method, e.path.partition(f"/{folder}/")[2]) for e in proxy.log()]
    made = [path for method, path in sent if method == "MKCOL"]
    assert made == ["", ".sitegen", "p", ".sitegen/journal"]
    puts = [path for method, path in sent if method == "PUT"]
    assert puts[:3] == [".sitegen/lease.json", "css/print.css", "css/site.css"]  # print opens
    assert sorted(puts[3:-2]) == sorted(f for f in files if f.startswith("p/"))
    assert len(sent) == 1 + 4 + len(files) + 3 + 1  # listing, MKCOLs, files, lease, base, record
    assert held(nextcloud, folder) == as_bytes(files)
    assert verify(target(nextcloud, folder)) == []


def test_a_new_file_never_replaces_one_placed_by_hand(
    tmp_path: Path, nextcloud: NextcloudServer
) -> None:
    folder = nextcloud.new_folder("handplaced")
    publish_tree(write_tree(tmp_path / "v1", V1), target(nextcloud, folder), ALL)
    with nextcloud.client() as http:
        mine = f"{nextcloud.dav_url(folder)}/css/site.v2.css"
        assert http.put(mine, content=b"mine").is_success
    with pytest.raises(PublishError, match=r"css/site\.v2\.css: placed on the target by hand"):
        publish_tree(write_tree(tmp_path / "v2", V2), target(nextcloud, folder), ALL)
    assert (nextcloud.files_dir / folder / "css/site.v2.css").read_bytes() == b"mine"
    publish_tree(write_tree(tmp_path / "v2", V2), target(nextcloud, folder, repair=True), ALL)
    assert held(nextcloud, folder) == {**as_bytes(V2), "CNAME": b"example.org"}
