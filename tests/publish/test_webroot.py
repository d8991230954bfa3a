from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from sitegen.errors import PublishError
from sitegen.publish.log import verify
from sitegen.publish.manifest import LOG_PATH
from sitegen.publish.plan import DeleteCap
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.webroot import WebRoot
from tests.publish.conftest import Nginx
from tests.publish.helpers import write_tree


def site_version(n: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        "index.html": f"<link href='/css/site.css'>home v{n}",
        "about/index.html": f"about v{n}",
        "css/site.css": f"body {{ --v: {n} }}",
        "img/logo.png": b"\x89PNG same",
        "404.html": "not found",
    }
    files[f"posts/p{n}.html"] = f"post {n}"  # one page appears and one goes each time
    return files


def test_release_swap_keeps_serving_during_20_publishes(tmp_path: Path, nginx: Nginx) -> None:
    target = WebRoot(nginx.docroot, keep_releases=5)
    publish_tree(write_tree(tmp_path / "out", site_version(0)), target, PublishOptions())
    stop = threading.Event()
    answers: dict[int, int] = {}
    stable = ["/", "/index.html", "/about/", "/css/site.css", "/img/logo.png"]

    def hammer() -> None:
        with httpx.Client(base_url=nginx.url) as client:
            for i in range(50_000):  # bounded
                if stop.is_set() and i > 20:
                    return
                r = client.get(stable[i % len(stable)])
                answers[r.status_code] = answers.get(r.status_code, 0) + 1

    t = threading.Thread(target=hammer)
    t.start()
    try:
        for n in range(1, 21):
            out = write_tree(tmp_path / "out", site_version(n))
            publish_tree(out, target, PublishOptions(max_delete=_no_cap()))
    finally:
        stop.set()
        t.join()
    print("answers during 20 publishes:", answers)
    assert set(answers) == {200}, answers
    assert sum(answers.values()) > 20
    assert httpx.get(nginx.url + "/").text.endswith("v20")
    assert httpx.get(nginx.url + "/posts/p20.html").status_code == 200
    assert httpx.get(nginx.url + "/posts/p19.html").status_code == 404
    assert len(target.releases()) == 5
    assert verify(target) == []


def _no_cap() -> DeleteCap:
    return DeleteCap(percent=100)


def test_unchanged_files_are_hard_linked_and_rollback(tmp_path: Path) -> None:
    root = tmp_path / "site"
    target = WebRoot(root)
    publish_tree(write_tree(tmp_path / "out", site_version(1)), target, PublishOptions())
    first = target.live_dir()
    publish_tree(write_tree(tmp_path / "out", site_version(2)), target, PublishOptions())
    second = target.live_dir()
    assert first and second and first != second
    assert os.stat(first / "img/logo.png").st_ino == os.stat(second / "img/logo.png").st_ino
    assert os.stat(first / "index.html").st_ino != os.stat(second / "index.html").st_ino
    assert os.readlink(root / "current") == f"releases/{second.name}"
    back = target.rollback()
    assert back == first and target.live_dir() == first
    assert (root / "current/index.html").read_text().endswith("v1")
    assert verify(target) == []  # the rollback is a logged publish too
    assert len((root / LOG_PATH).read_bytes().splitlines()) == 3
    with pytest.raises(PublishError, match="no earlier release"):
        target.rollback()


def test_no_change_publish_writes_nothing(tmp_path: Path) -> None:
    target = WebRoot(tmp_path / "site")
    out = write_tree(tmp_path / "out", site_version(1))
    assert publish_tree(out, target, PublishOptions()).applied
    again = publish_tree(out, target, PublishOptions())
    assert not again.applied and again.plan.empty
    assert len(target.releases()) == 1


def test_keep_list_survives_new_releases(tmp_path: Path) -> None:
    root = tmp_path / "site"
    target = WebRoot(root)
    publish_tree(write_tree(tmp_path / "out", site_version(1)), target, PublishOptions())
    live = target.live_dir()
    assert live
    (live / "CNAME").write_text("example.org")
    (live / ".well-known").mkdir()
    (live / ".well-known/security.txt").write_text("Contact: x")
    publish_tree(write_tree(tmp_path / "out", site_version(2)), target, PublishOptions())
    assert (root / "current/CNAME").read_text() == "example.org"
    assert (root / "current/.well-known/security.txt").exists()
    assert verify(target) == []


def test_sync_mode_updates_in_place_and_resumes_deletes(tmp_path: Path) -> None:
    root = tmp_path / "www"
    target = WebRoot(root, mode="sync")
    publish_tree(write_tree(tmp_path / "out", site_version(1)), target, PublishOptions())
    assert (root / "posts/p1.html").exists()
    publish_tree(write_tree(tmp_path / "out", site_version(2)), target, PublishOptions())
    assert not (root / "posts/p1.html").exists() and (root / "posts/p2.html").exists()
    assert (root / "index.html").read_text().endswith("v2")
    assert verify(target) == []
    with pytest.raises(PublishError, match="release mode"):
        target.rollback()


def test_verify_reports_tampering_file_by_file(tmp_path: Path) -> None:
    root = tmp_path / "site"
    target = WebRoot(root)
    for n in (1, 2, 3):
        publish_tree(
            write_tree(tmp_path / "out", site_version(n)),
            target,
            PublishOptions(now=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc)),
        )
    live = target.live_dir()
    assert live
    (live / "index.html").write_text("defaced")
    (live / "about/index.html").unlink()
    (live / "evil.js").write_text("x")
    log = root / LOG_PATH
    lines = log.read_bytes().splitlines(keepends=True)
    lines[0] = lines[0].replace(b"2026", b"2025")  # rewrite history
    log.write_bytes(b"".join(lines))
    problems = [str(d) for d in verify(target)]
    assert problems == [
        "about/index.html: missing: published but not on the target",
        "evil.js: extra: on the target but never published",
        "index.html: changed since it was published " + problems[2].split("published ", 1)[1],
        ".sitegen/publish-log.jsonl:2: broken chain: prev does not match the sha256 of the "
        "record before",
    ]


def test_records_are_numbered_and_an_old_unnumbered_log_is_continued(tmp_path: Path) -> None:
    import json

    root = tmp_path / "site"
    target = WebRoot(root)
    publish_tree(write_tree(tmp_path / "out", site_version(1)), target, PublishOptions())
    log = root / LOG_PATH
    old = json.loads(log.read_bytes())
    del old["seq"]  # as sitegen wrote it before records were numbered
    log.write_bytes(json.dumps(old, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    publish_tree(write_tree(tmp_path / "out", site_version(2)), target, PublishOptions())
    publish_tree(write_tree(tmp_path / "out", site_version(3)), target, PublishOptions())
    seqs = [json.loads(line).get("seq") for line in log.read_bytes().splitlines()]
    assert seqs == [None, 2, 3]
    assert verify(target) == []
