"""The publish commands as a user runs them: the web root's lock lives at the target, drift is
reported by `publish` and restored by `publish --repair`, a rollback is signed like a publish."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from sitegen.cli.publish import publish
from sitegen.cli.target import key, rollback, verify
from tests.publish.helpers import write_tree
from tests.publish.test_cli import SITE, run, state  # noqa: F401 (a fixture)
from tests.webdav.webdav_servers import NEXTCLOUD_ROOT, PASSWORD, USER, serve_wsgi, wsgidav_app


@pytest.mark.usefixtures("state")
def test_a_web_roots_publish_lock_is_at_the_target(tmp_path: Path) -> None:
    """Two publishers with different state folders still exclude each other."""
    site = write_tree(tmp_path / "site", SITE)
    www = tmp_path / "www"
    assert run(publish, str(site), "--to", str(www))[0] == 0  # makes the web root
    assert run(publish, str(site), "--to", str(www))[0] == 0  # locks it at the target
    lock = www / ".sitegen" / "publish.lock"
    assert lock.is_file()
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another publisher holds it
        os.write(fd, b"4242\n")
        code, out = run(publish, str(site), "--to", str(www), "--state-dir", str(tmp_path / "b"))
        assert code == 1
        assert f"another sitegen run (pid 4242) is publishing to {www.resolve()}" in out
    finally:
        os.close(fd)
    code, out = run(publish, str(site), "--to", str(www), "--state-dir", str(tmp_path / "b"))
    assert code == 0, out


@pytest.mark.usefixtures("state")
def test_drift_on_a_webdav_target_is_reported_then_repaired(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    root = tmp_path / "dav"
    root.mkdir()
    with serve_wsgi(wsgidav_app(root)) as srv:
        os.environ["SITEGEN_PASSWORD"] = PASSWORD
        try:
            to = f"webdav+http://{USER}@{srv.base.removeprefix('http://')}{NEXTCLOUD_ROOT}/site"
            assert run(publish, str(site), "--to", to)[0] == 0
            (root / "site/about/index.html").write_text("<script>evil()</script>")
            (root / "site/left.txt").write_text("by hand")
            code, out = run(publish, str(site), "--to", to)
            assert code == 0, out
            assert (
                "warning: about/index.html: changed on the target since the last publish "
                "(publish --repair restores it)" in out
            )
            assert "warning: left.txt: on the target but not in the last publish" in out
            assert (root / "site/left.txt").exists()  # nothing deleted without --repair
            assert run(verify, to)[0] == 1
            code, out = run(publish, str(site), "--to", to, "--repair")
            assert code == 0, out
            assert not (root / "site/left.txt").exists()
            assert "evil" not in (root / "site/about/index.html").read_text()
            code, out = run(verify, to)
            assert code == 0, out
        finally:
            del os.environ["SITEGEN_PASSWORD"]


@pytest.mark.usefixtures("state")
def test_a_rollback_is_signed_like_a_publish(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    www = tmp_path / "www"
    assert run(publish, str(site), "--to", str(www))[0] == 0
    (site / "about.md").write_text("---\ntitle: About\n---\nChanged.\n")
    assert run(publish, str(site), "--to", str(www))[0] == 0
    assert run(rollback, str(www))[0] == 0
    public = run(key)[1].strip().splitlines()[0]
    code, out = run(verify, str(www), "--key", public)
    assert code == 0, out
