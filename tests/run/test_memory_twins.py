"""The in-memory twins end to end through the runner: a `memory://` source kind and a `memory://`
target kind, each registered with one line (docs/architecture.md's table), synced, built,
planned and applied by `run_pipeline` and by `sitegen publish`, with no other change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.publish.log import verify
from sitegen.publish.store import MemoryStore
from sitegen.publish.storetarget import StoreTarget
from sitegen.run import RunSettings, TargetSettings, run_pipeline
from sitegen.run import targets as targets_module
from sitegen.run.targets import TARGET_KINDS, OpenOptions, TargetKind
from sitegen.sources import SOURCE_KINDS, Source, SourceKind, SourceOptions
from sitegen.sources import kinds as kinds_module
from sitegen.sources.memory import MemorySource

SITE = {"_layout.html": "<main>{{ content }}</main>", "index.md": "# Hello", "about.md": "About"}


@dataclass
class Twins:
    """The sources and stores the `memory://` kinds open, by URL."""

    mirror: Path
    sources: dict[str, MemorySource] = field(default_factory=dict)
    stores: dict[str, MemoryStore] = field(default_factory=dict)

    def open_source(self, spec: str, o: SourceOptions) -> Source:
        if spec not in self.sources:
            self.sources[spec] = MemorySource(self.mirror / spec[len("memory://") :], SITE)
        return self.sources[spec]

    def open_target(self, s: TargetSettings, o: OpenOptions) -> StoreTarget:
        return StoreTarget(self.stores.setdefault(s.to, MemoryStore(s.to)), workers=1)

    def published(self, url: str) -> dict[str, bytes]:
        """The site's files the store holds (not its .sitegen/ bookkeeping)."""
        files = self.stores[url].files
        return {p: f.data for p, f in files.items() if not p.startswith(".sitegen")}


@pytest.fixture
def twins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Twins]:
    t = Twins(tmp_path / "mirror")
    memory = SourceKind("memory", ("memory",), t.open_source)
    monkeypatch.setattr(kinds_module, "SOURCE_KINDS", (*SOURCE_KINDS, memory))
    target = TargetKind("memory", lambda to: to.startswith("memory://"), str, t.open_target)
    monkeypatch.setattr(targets_module, "TARGET_KINDS", (target, *TARGET_KINDS))  # first wins
    yield t


def site_steps(store: MemoryStore) -> list[str]:
    """The store's changing calls on the site's files, not on its .sitegen/ bookkeeping."""
    return [s for s in store.steps if not s.split(" ", 1)[1].startswith(".sitegen")]


def run(tmp_path: Path) -> str:
    rs = RunSettings("memory://src", TargetSettings("memory://dst"), state_dir=tmp_path / "state")
    return run_pipeline(rs).message


def test_the_runner_publishes_from_a_memory_source_to_a_memory_store(
    tmp_path: Path, twins: Twins
) -> None:
    assert run(tmp_path) == "published to memory://dst"
    site = twins.published("memory://dst")
    assert site == {
        "index.html": b'<main><h1 id="hello">Hello</h1>\n</main>',
        "about/index.html": b"<main><p>About</p>\n</main>",
    }
    target = twins.open_target(TargetSettings("memory://dst"), OpenOptions(None, 1))
    assert verify(target) == []

    store = twins.stores["memory://dst"]
    store.steps.clear()
    assert run(tmp_path) == "memory://dst is up to date"
    assert site_steps(store) == []

    twins.sources["memory://src"].files["about.md"] = b"About us"
    store.steps.clear()
    assert run(tmp_path) == "published to memory://dst"
    assert site_steps(store) == ["WRITE about/index.html"]
    assert twins.published("memory://dst")["about/index.html"] == b"<main><p>About us</p>\n</main>"
    assert verify(target) == []


def test_the_cli_publishes_the_twins_with_no_other_change(tmp_path: Path, twins: Twins) -> None:
    state = str(tmp_path / "state")
    args = ["publish", "memory://src", "--to", "memory://dst", "--state-dir", state]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "published to memory://dst"
    assert sorted(twins.published("memory://dst")) == ["about/index.html", "index.html"]
