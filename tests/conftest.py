"""Shared fixtures: build any site from a dict of files."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from sitegen.compiler.ownership import mark_owned
from sitegen.compiler.pipeline import BuildOptions, BuildResult, build_site
from sitegen.errors import BuildError, SitegenError
from sitegen.sources import settle
from tests.servers.faultproxy import fault_proxy
from tests.servers.nextcloud import nc_env, nextcloud
from tests.trees import snapshot, write_tree

# Real servers for every test folder: the shared Nextcloud (one per run, skipped when
# ../shared/nextcloud is absent) and the fault-injecting proxy (tests/servers/).
pytest_plugins = ("tests.servers.plugin",)

Files = Mapping[str, "str | bytes"]

# These machines are shared and noisy: a property holds or not whatever an example takes.
hypothesis_settings.register_profile("sitegen", deadline=None)
hypothesis_settings.load_profile("sitegen")


@pytest.fixture(scope="session", autouse=True)
def own_cache_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds keep the key that authenticates their model cache (compiler/cachekey.py) in the
    user's cache folder: the tests', not the user's (child processes inherit it)."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


# A fixed clock, so date-dependent behaviour (drafts, publish_date) is the same every run.
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


class SiteBuilder:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.site = tmp / "site"
        self.out = tmp / "out"

    def write(self, files: Files) -> Path:
        return write_tree(self.site, files)

    def build(self, files: Files | None = None, **options: object) -> BuildResult:
        if files is not None:
            self.write(files)
        options.setdefault("now", NOW)
        return build_site(self.site, self.out, BuildOptions(**options))  # type: ignore[arg-type]

    def read(self, rel: str) -> str:
        return (self.out / rel).read_text(encoding="utf-8")

    def outputs(self) -> list[str]:
        return sorted(snapshot(self.out))

    def errors(self, files: Files, **options: object) -> list[str]:
        """Build a bad site and return its messages; asserts the previous output is untouched."""
        if not self.out.exists():  # stands for the previous, good build
            write_tree(self.out, {"index.html": "previous build", "css/site.css": "p{}"})
            mark_owned(self.out)  # as a build would have
        before = snapshot(self.out)
        with pytest.raises(SitegenError) as info:
            self.build(files, **options)
        assert snapshot(self.out) == before, "a failed build changed the output"
        leftovers = [p.name for p in self.tmp.iterdir() if p.name.startswith(".out.")]
        assert leftovers == [], "a failed build left its staging folder"
        return [str(d) for d in info.value.diagnostics] or [str(info.value)]


@pytest.fixture
def sb(tmp_path: Path) -> SiteBuilder:
    return SiteBuilder(tmp_path)


LAYOUT = "<main>{{ content }}</main>"


@pytest.fixture
def plain() -> Callable[..., dict[str, str]]:
    """A site with a trivial layout, so outputs are easy to assert."""

    def make(**files: str) -> dict[str, str]:
        out = {"_layout.html": LAYOUT}
        for key, text in files.items():
            rel = key.replace("__", "/")
            out[rel if "." in rel.rsplit("/", 1)[-1] else rel + ".md"] = text
        return out

    return make


__all__ = [
    "NOW",
    "BuildError",
    "SiteBuilder",
    "fault_proxy",
    "nc_env",
    "nextcloud",
]


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium, one per test process: Playwright's sync API cannot start a
    second one while the first runs, so every browser test shares this."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def settle_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync right after a changing one counts as confirming it (sources/settle.py waits
    SETTLE_SECONDS for Nextcloud's files to catch up with its folder ETags)."""
    monkeypatch.setattr(settle, "SETTLE_SECONDS", 0.0)
