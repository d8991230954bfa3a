"""Sources are chosen by URL scheme from one registry (sitegen/sources/kinds.py): a new kind is
one module and one `SourceKind` line, and every front end picks it up."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.errors import SourceError
from sitegen.sources import (
    SOURCE_KINDS,
    LocalSource,
    RemoteSource,
    Source,
    SourceKind,
    SourceOptions,
    open_source,
    source_kind,
)
from sitegen.sources import kinds as kinds_module
from sitegen.sources.memory import MemorySource
from tests.trees import snapshot, write_tree

SITE = {"_layout.html": "{{ content }}", "index.md": "# Hello", "about.md": "About"}


def test_a_folder_path_opens_a_local_source(tmp_path: Path) -> None:
    source = open_source(str(write_tree(tmp_path / "site", SITE)))
    assert isinstance(source, LocalSource)
    assert (source.remote, source.offline, source.fingerprint()) == (False, False, None)


@pytest.mark.parametrize(
    "spec, kind",
    [
        ("nextcloud://alice@cloud.example.com/Website", "nextcloud"),
        ("NEXTCLOUD+HTTP://alice@127.0.0.1:8080/Website", "nextcloud"),
        ("webdav+https://dav.example.com/site", "webdav"),
        ("some/folder", "folder"),
    ],
)
def test_the_scheme_picks_the_kind(spec: str, kind: str) -> None:
    assert source_kind(spec).name == kind


def test_a_remote_url_opens_a_mirrored_source_without_any_request(tmp_path: Path) -> None:
    spec = "webdav+http://127.0.0.1:9/site"  # nothing listens on port 9: opening asks nothing
    source = open_source(spec, cache_dir=tmp_path / "cache", offline=True)
    assert isinstance(source, RemoteSource) and source.remote and source.offline
    assert source.label == spec


def test_an_unknown_scheme_names_every_known_one() -> None:
    with pytest.raises(SourceError) as info:
        open_source("ftp://host/site")
    assert str(info.value) == (
        "unknown source scheme ftp:// (use a folder path or nextcloud://, nextcloud+https://, "
        "nextcloud+http://, webdav+https://, webdav+http://)"
    )


def test_user_is_refused_for_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"^--user makes no sense for the local folder "):
        open_source(str(tmp_path), user="alice")


def test_one_registry_line_adds_a_kind_that_the_cli_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The docs/architecture.md example: a `memory://` kind, registered with one line, is synced
    and built by `sitegen build` with no other change."""
    opened: list[MemorySource] = []

    def open_memory(spec: str, o: SourceOptions) -> Source:
        opened.append(MemorySource(o.cache_dir or tmp_path / "mirror", SITE, label=spec))
        return opened[-1]

    kind = SourceKind("memory", ("memory",), open_memory)
    monkeypatch.setattr(kinds_module, "SOURCE_KINDS", (*SOURCE_KINDS, kind))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "memory://demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert opened[0].syncs == 1
    assert "synced memory://demo: 3 changed, 0 requests" in result.output
    assert sorted(snapshot(out)) == ["about/index.html", "index.html"]


def test_every_kind_has_a_unique_scheme() -> None:
    schemes = [s for k in SOURCE_KINDS for s in k.schemes]
    assert len(schemes) == len(set(schemes))
    assert [k.name for k in SOURCE_KINDS if not k.schemes] == ["folder"]
