"""`sitegen serve` of a Nextcloud source: a push from notify_push makes the preview sync and
rebuild at once (timed polls slow down meanwhile); without push it polls the root's ETag."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.serve import Preview, ServeOptions
from sitegen.serve.watch import PUSHED_POLL
from sitegen.sources import RemoteSource, parse_location, settle
from sitegen.sources.url import RemoteLocation
from tests.servers.nextcloud import NextcloudServer

from .conftest import FakeNextcloud


def wait_for(predicate: Callable[[], bool], what: str, lines: list[str]) -> None:
    deadline = time.monotonic() + 30
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}; log: {lines}"
        time.sleep(0.02)


def preview_of(spec: str, cache: Path, lines: list[str], **options: object) -> Preview:
    location = parse_location(spec)
    assert isinstance(location, RemoteLocation)
    source = RemoteSource(location, cache_dir=cache, jobs=2)
    preview = Preview(source, ServeOptions(port=0, **options), log=lines.append)  # type: ignore[arg-type]
    preview.start()
    return preview


def page_text(preview: Preview) -> str:
    return (preview.out_dir / "index.html").read_text(encoding="utf-8")


def test_a_push_rebuilds_the_preview_without_waiting_for_a_poll(
    fake_nc: FakeNextcloud, tmp_path: Path
) -> None:
    lines: list[str] = []
    preview = preview_of(fake_nc.spec(), tmp_path / "cache", lines, poll=1.0)
    try:
        assert preview.push is not None and preview.push.connected.is_set()
        assert f"listening to {fake_nc.push.url} for changes" in lines
        assert preview.poller is not None
        polls = preview.poller.polls
        (fake_nc.site / "index.md").write_text("---\ntitle: Home\n---\n# Home\n\nPushed.\n")
        fake_nc.push.notify([42])
        wait_for(lambda: "Pushed." in page_text(preview), "the pushed edit", lines)
        # one poll, the push's: the 1 s timer is off while push is connected (60 s safety net)
        assert preview.poller.polls == polls + 1 and PUSHED_POLL == 60.0
    finally:
        preview.close()
    assert fake_nc.push.clients() == 0 or not preview.push.connected.is_set()


def test_without_push_the_preview_polls(fake_nc: FakeNextcloud, tmp_path: Path) -> None:
    lines: list[str] = []
    preview = preview_of(fake_nc.spec(), tmp_path / "cache", lines, poll=0.2, push=False)
    try:
        assert preview.push is None and fake_nc.push.authenticated == 0
        (fake_nc.site / "index.md").write_text("---\ntitle: Home\n---\n# Home\n\nPolled.\n")
        wait_for(lambda: "Polled." in page_text(preview), "the polled edit", lines)
    finally:
        preview.close()


def test_a_rewrite_that_leaves_the_listing_as_it_was_reaches_the_preview(
    fake_nc: FakeNextcloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nextcloud keeps a file's ETag, size and mtime when it is rewritten with the same size in
    # the second of its mtime; here a rewrite that restores the mtime does the same.
    monkeypatch.setattr(settle, "SETTLE_SECONDS", 3600.0)  # a slow machine must not age it
    lines: list[str] = []
    preview = preview_of(fake_nc.spec(), tmp_path / "cache", lines, poll=0.2, push=False)
    try:
        page = fake_nc.site / "index.md"
        text, stat = page.read_text(), page.stat()
        page.write_text(text.replace("Home", "Hove"))
        os.utime(page, (stat.st_atime, stat.st_mtime))
        assert page.stat().st_size == stat.st_size
        monkeypatch.setattr(settle, "SETTLE_SECONDS", 0.0)  # now it is old enough
        wait_for(lambda: "Hove" in page_text(preview), "the edit", lines)
    finally:
        preview.close()


@pytest.mark.nextcloud
def test_an_edit_on_the_real_nextcloud_reaches_the_preview_by_polling(
    nextcloud: NextcloudServer, nc_env: None, tmp_path: Path
) -> None:
    folder = nextcloud.new_folder("Live")
    nextcloud.upload(folder, {"sitegen.toml": 'title = "Live"\n', "index.md": "# Home\n\nOne.\n"})
    lines: list[str] = []
    preview = preview_of(nextcloud.sitegen_url(folder), tmp_path / "cache", lines, poll=0.2)
    try:
        assert preview.push is None  # the shared Nextcloud has no notify_push
        assert "One." in page_text(preview)
        nextcloud.upload(folder, {"index.md": "# Home\n\nTwo.\n"})
        wait_for(lambda: "Two." in page_text(preview), "the edit", lines)
    finally:
        preview.close()
