"""One real `kill -9` of a `sitegen publish` subprocess while it writes a release: the live site
stays whole, the next publish converges to a local build, and a rollback goes to the site before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sitegen.publish.manifest import manifest_of_tree
from sitegen.publish.webroot_releases import RELEASES, TMP_PREFIX
from tests.publish.webroot_checks import live_site, problems_of_live

LAYOUT = "<html><head><link rel='stylesheet' href='{{ asset(\"css/site.css\") }}'></head>"
LAYOUT += "<body>{{ content }}</body></html>"


def write_source(src: Path, version: int) -> None:
    src.mkdir(exist_ok=True)
    (src / "sitegen.toml").write_text("fingerprint = true\n")
    (src / "_layout.html").write_text(LAYOUT)
    (src / "css").mkdir(exist_ok=True)
    (src / "css/site.css").write_text(f"body {{ --version: {version} }}")
    for i in range(200):
        (src / f"page{i}.md").write_text(f"# Page {i}\n\ntext of page {i}\n")
    big = src / "files/big.bin"  # unchanged: hashed before it is linked, which takes a while
    if not big.exists():
        big.parent.mkdir()
        big.write_bytes(os.urandom(1 << 20) * 24)


def sitegen(*args: str) -> list[str]:
    return [sys.executable, "-m", "sitegen", *args]


def built(src: Path, out: Path) -> dict[str, bytes]:
    subprocess.run(sitegen("build", str(src), "-o", str(out)), check=True, capture_output=True)
    return {p: (out / p).read_bytes() for p in manifest_of_tree(out)}


def test_kill_9_while_writing_a_release(tmp_path: Path) -> None:
    src, root, state = tmp_path / "src", tmp_path / "www", tmp_path / "state"
    publish = sitegen("publish", str(src), "--to", str(root), "--state-dir", str(state))
    write_source(src, 1)
    subprocess.run(publish, check=True, capture_output=True)
    v1 = built(src, tmp_path / "out1")
    write_source(src, 2)
    proc = subprocess.Popen(publish, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None:  # until the release is being written, then kill it there
            if any(p.name.startswith(TMP_PREFIX) for p in (root / RELEASES).iterdir()):
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        rc = proc.wait()
    assert rc == -signal.SIGKILL
    assert problems_of_live(root) == []
    assert live_site(root) == v1  # still the first site, whole
    subprocess.run(publish, check=True, capture_output=True)
    assert live_site(root) == built(src, tmp_path / "out2")
    verify = subprocess.run(sitegen("verify", str(root)), capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout
    rollback = sitegen("rollback", str(root), "--state-dir", str(state))
    subprocess.run(rollback, check=True, capture_output=True)
    assert live_site(root) == v1 and problems_of_live(root) == []
