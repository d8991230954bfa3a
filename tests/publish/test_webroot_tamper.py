"""A live file edited in place is reported by verify, never carried into a new release and never
brought back by a rollback; a page of the previous release keeps its fingerprinted stylesheet."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sitegen.errors import PublishError
from sitegen.publish.log import verify
from sitegen.publish.manifest import LOG_PATH
from sitegen.publish.plan import DeleteCap
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.webroot import WebRoot
from sitegen.publish.webroot_releases import read_release
from tests.publish.conftest import Nginx
from tests.publish.helpers import write_tree
from tests.publish.webroot_checks import as_bytes, fp_site, live_site, problems_of_live

OPTS = PublishOptions(max_delete=DeleteCap(percent=100))
EVIL = "<script src=//evil.example/x.js></script>"


def publish(target: WebRoot, out: Path, n: int) -> None:
    publish_tree(write_tree(out, fp_site(n)), target, OPTS)


def deface(target: WebRoot, path: str) -> None:
    live = target.live_dir()
    assert live
    with (live / path).open("a") as f:  # in place: the inode any hard link shares
        f.write(EVIL)


def sitegen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], capture_output=True, text=True, timeout=120
    )


def test_tamper_is_reported_then_gone_after_publish_and_rollbacks(tmp_path: Path) -> None:
    root, out = tmp_path / "site", tmp_path / "out"
    target = WebRoot(root)
    publish(target, out, 1)
    publish(target, out, 2)
    first, second = target.releases()
    assert os.stat(first / "contact.html").st_ino == os.stat(second / "contact.html").st_ino
    deface(target, "contact.html")  # the same in every version: shared by both releases
    run = sitegen("verify", str(root))
    assert run.returncode == 1
    assert run.stdout.startswith("contact.html: changed since it was published (sha256 ")
    publish(target, out, 3)
    third = target.live_dir()
    assert third and EVIL not in (third / "contact.html").read_text()
    assert os.stat(third / "contact.html").st_ino != os.stat(second / "contact.html").st_ino
    assert target.rollback() == second  # repaired from the intact copy in the third release
    assert live_site(root) == as_bytes(fp_site(2))
    assert target.rollback() == first
    assert live_site(root) == as_bytes(fp_site(1))
    assert problems_of_live(root) == [] and verify(target) == []
    assert sitegen("verify", str(root)).returncode == 0


def test_rollback_refuses_when_no_release_holds_an_intact_copy(tmp_path: Path) -> None:
    root, out = tmp_path / "site", tmp_path / "out"
    target = WebRoot(root)
    publish(target, out, 1)
    publish(target, out, 2)
    first = target.releases()[0]
    deface(target, "contact.html")  # shared by both releases, and no clean copy anywhere
    log_before = (root / LOG_PATH).read_bytes()
    link_before = os.readlink(root / "current")
    with pytest.raises(PublishError) as err:
        target.rollback()
    assert str(err.value) == (
        f"{first}/contact.html: changed since it was published (no release holds an intact "
        "copy; publish again to replace it)"
    )
    assert (root / LOG_PATH).read_bytes() == log_before  # nothing logged, nothing switched
    assert os.readlink(root / "current") == link_before
    publish(target, out, 3)
    assert target.rollback() == target.releases()[1]
    assert EVIL not in (root / "current/contact.html").read_text()


def test_a_changed_page_edited_in_place_does_not_reach_the_rollback(tmp_path: Path) -> None:
    root, out = tmp_path / "site", tmp_path / "out"
    target = WebRoot(root)
    publish(target, out, 1)
    publish(target, out, 2)
    deface(target, "index.html")  # changed between versions: the releases do not share it
    assert target.rollback() == target.releases()[0]
    assert live_site(root) == as_bytes(fp_site(1))


def test_previous_pages_find_their_fingerprinted_css_after_the_switch(
    tmp_path: Path, nginx: Nginx
) -> None:
    target = WebRoot(nginx.docroot, keep_releases=3)
    out = tmp_path / "out"
    publish(target, out, 1)
    old_page = httpx.get(nginx.url + "/about/").text  # fetched just before the switch
    old_css = re.findall(r"href='(/css/site\.\w+\.css)'", old_page)[0]
    publish(target, out, 2)
    assert old_css not in httpx.get(nginx.url + "/about/").text  # the new page's is new
    r = httpx.get(nginx.url + old_css)
    assert (r.status_code, r.text) == (200, "body { --v: 1 }")
    live = target.live_dir()
    assert live and old_css.lstrip("/") in read_release(live).carried
    assert old_css.lstrip("/") not in read_release(live).files  # not the site's own
    assert verify(target) == []
    for n in (3, 4, 5):
        publish(target, out, n)
    # Kept while a release holding it is kept (3 releases: versions 3 to 5).
    assert httpx.get(nginx.url + old_css).status_code == 404
    assert verify(target) == []


def test_verify_reports_a_carried_asset_edited(tmp_path: Path) -> None:
    root, out = tmp_path / "site", tmp_path / "out"
    target = WebRoot(root)
    publish(target, out, 1)
    publish(target, out, 2)
    live = target.live_dir()
    assert live
    (carried,) = (p for p in read_release(live).carried if p.endswith(".css"))
    (live / carried).write_text("body { background: url(//evil.example/x.png) }")
    assert [str(d) for d in verify(target)] == [
        f"{carried}: changed or missing: an earlier release's asset kept for old pages"
    ]
