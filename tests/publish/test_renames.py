"""Renamed pages keep their old URLs: a site in the real Nextcloud, its pages renamed and moved
over WebDAV MOVE (what the Files app does), published again and again to a Nextcloud folder and
to a web root; every old URL of a page that still exists is a redirect to its new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.publish.log import verify
from sitegen.publish.pagehistory import PAGE_HISTORY_PATH, decode
from sitegen.publish.target import Target
from sitegen.run import RunSettings, TargetSettings, open_target, run_pipeline
from tests.servers.nextcloud import NextcloudServer

pytestmark = pytest.mark.nextcloud

SITE = {
    "sitegen.toml": 'title = "T"\nbase_url = "https://example.org/"\n',
    "_layout.html": "<main>{{ content }}</main>",
    "index.md": "# Home\n",
    "a.md": "# The page that moves\n",
    "keep.md": "# Stays where it is\n",
}


class Flow:
    """One site folder in Nextcloud, one target; publish, rename, publish, read what is online."""

    def __init__(self, nc: NextcloudServer, tmp: Path, kind: str) -> None:
        self.nc, self.tmp, self.kind = nc, tmp, kind
        self.src = nc.new_folder("renames-src")
        nc.upload(self.src, SITE)
        if kind == "nextcloud":
            self.folder = nc.new_folder("renames-out")
            self.to = nc.sitegen_url(self.folder)
        else:
            self.to = str(tmp / "www")

    def publish(self) -> None:
        run_pipeline(
            RunSettings(
                self.nc.sitegen_url(self.src),
                TargetSettings(self.to),
                user=self.nc.user,
                cache_dir=self.tmp / "mirror",
                state_dir=self.tmp / "state",
            )
        )

    def move(self, old: str, new: str) -> None:
        with self.nc.client() as http:
            if "/" in new:
                http.request("MKCOL", self.nc.dav_url(f"{self.src}/{new.rsplit('/', 1)[0]}"))
            answer = http.request(
                "MOVE",
                self.nc.dav_url(f"{self.src}/{old}"),
                headers={"Destination": self.nc.dav_url(f"{self.src}/{new}"), "Overwrite": "F"},
            )
            answer.raise_for_status()

    def delete(self, rel: str) -> None:
        with self.nc.client() as http:
            http.delete(self.nc.dav_url(f"{self.src}/{rel}")).raise_for_status()

    @property
    def root(self) -> Path:
        if self.kind == "nextcloud":
            return self.nc.files_dir / self.folder
        return self.tmp / "www"

    def online(self) -> dict[str, str]:
        """What a reader of the published site gets, path -> text."""
        live = self.root if self.kind == "nextcloud" else self.root / "current"
        return {
            p.relative_to(live).as_posix(): p.read_text()
            for p in live.rglob("*.html")
            if ".sitegen" not in p.relative_to(live).parts
        }

    def target(self) -> Target:
        return open_target(TargetSettings(self.to), cache_dir=None, jobs=2)


def redirects_to(html: str, url: str) -> bool:
    return f'<meta http-equiv="refresh" content="0; url=https://example.org{url}">' in html


@pytest.fixture(params=["nextcloud", "web root"])
def flow(
    request: pytest.FixtureRequest, nextcloud: NextcloudServer, nc_env: None, tmp_path: Path
) -> Flow:
    return Flow(nextcloud, tmp_path, request.param)


def test_renamed_and_moved_pages_keep_their_old_urls(flow: Flow) -> None:
    flow.publish()
    first = flow.online()
    assert sorted(first) == ["a/index.html", "index.html", "keep/index.html"]  # as always

    flow.move("a.md", "b.md")  # renamed in the Files app
    flow.publish()
    site = flow.online()
    assert redirects_to(site["a/index.html"], "/b/")
    assert "The page that moves" in site["b/index.html"]
    assert site["keep/index.html"] == first["keep/index.html"]

    flow.move("b.md", "archive/c.md")  # moved into another folder: A -> B -> C
    flow.publish()
    site = flow.online()
    assert redirects_to(site["a/index.html"], "/archive/c/")
    assert redirects_to(site["b/index.html"], "/archive/c/")
    assert "The page that moves" in site["archive/c/index.html"]
    assert verify(flow.target()) == []  # the redirects are in the published manifest

    flow.nc.upload(flow.src, {"a.md": "# A new page at the old place\n"})
    flow.publish()
    site = flow.online()
    assert "A new page" in site["a/index.html"]  # it takes the URL over: no redirect there
    assert redirects_to(site["b/index.html"], "/archive/c/")

    flow.delete("archive/c.md")  # deleted, not moved: its old URLs go too
    flow.publish()
    assert sorted(flow.online()) == ["a/index.html", "index.html", "keep/index.html"]
    assert verify(flow.target()) == []


def test_the_history_is_written_once_and_left_alone_while_nothing_moves(flow: Flow) -> None:
    flow.publish()
    history = flow.root / PAGE_HISTORY_PATH
    written = history.read_bytes()
    assert sorted(decode(written).values()) == [
        ("a/index.html",),
        ("index.html",),
        ("keep/index.html",),
    ]
    before = history.stat().st_mtime_ns
    flow.publish()
    assert history.stat().st_mtime_ns == before
