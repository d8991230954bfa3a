"""The model cache (compiler/modelcache.py): a build in a new process takes the last build's
pages over instead of reading them again, ends where a clean build ends, and never unpickles a
file it cannot authenticate (the output's folder may be shared)."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import frontmatter
from sitegen.compiler import cachekey, modelcache, readpages, readworkers
from sitegen.compiler.fmcache import FrontMatterCache
from sitegen.compiler.pipeline import build_site, discover_site
from sitegen.compiler.tree import SourceFile
from sitegen.errors import SitegenError
from tests.engine.test_stages import EDITS, SITE, clean_build, opts, settle
from tests.trees import apply_edit, snapshot, write_tree

ALL_PAGES = sorted(rel for rel in SITE if rel.endswith((".md", ".html")) and rel[0] != "_")


def parsed_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages the next builds read anew (their files read, their front matter parsed or
    found in the front matter cache), not taken over from the model."""
    seen: list[str] = []
    real = readpages.read_text

    def spy(sf: SourceFile) -> str:
        seen.append(sf.rel)
        return real(sf)

    monkeypatch.setattr(readpages, "read_text", spy)
    return seen


def yaml_parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = frontmatter.parse

    def spy(text: str, path: str) -> frontmatter.FrontMatter:
        seen.append(path)
        return real(text, path)

    monkeypatch.setattr(frontmatter, "parse", spy)
    return seen


def built_once(tmp_path: Path) -> tuple[Path, Path]:
    site = write_tree(tmp_path / "site", SITE)
    settle()  # older than the racy window: the next build may take every page over
    out = tmp_path / "out"
    build_site(site, out, opts())
    assert modelcache.model_file(out).is_file()
    return site, out


def edit_and_build(site: Path, out: Path) -> None:
    apply_edit(site, "about.md", "About, edited.")
    build_site(site, out, opts())


def assert_an_edit_reads_every_page(site: Path, out: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The model was not used: the edit's build parsed every page, and made a clean build's
    output."""
    parsed = parsed_pages(monkeypatch)
    edit_and_build(site, out)
    assert sorted(parsed) == ALL_PAGES
    assert snapshot(out) == clean_build(site, tmp_path)


def test_an_edit_reads_only_the_edited_page(tmp_path: Path, monkeypatch) -> None:
    site, out = built_once(tmp_path)
    read, parsed = parsed_pages(monkeypatch), yaml_parsed(monkeypatch)
    edit_and_build(site, out)
    assert read == parsed == ["about.md"]
    assert snapshot(out) == clean_build(site, tmp_path)


def test_an_edit_reads_no_other_body(tmp_path: Path) -> None:
    """The pages taken over keep their bodies in their files: a body edit reads the edited
    page's body and those of pages made again from their values (a paginated list's pages), not
    the others' (here no page shows another's body or summary: those would be read)."""
    readers = ("index.html", "latest.html")
    site = write_tree(tmp_path / "site", {k: v for k, v in SITE.items() if k not in readers})
    settle()
    out = tmp_path / "out"
    build_site(site, out, opts())
    apply_edit(site, "about.md", "About, edited.")
    loaded = build_site(site, out, opts()).site
    assert loaded is not None
    read = {rel for rel, page in loaded.read.pages.items() if "body" in vars(page)}
    assert read == {"about.md", "all/index.md"}
    assert snapshot(out) == clean_build(site, tmp_path)


def test_a_body_changed_after_its_page_was_taken_over_fails_the_build(tmp_path: Path) -> None:
    """A file rewritten between the take-over and the reading of its body (a co-author saving
    while the build runs) fails the build, naming the file, rather than publishing the old
    front matter with the new body; the next build reads it anew."""
    site, out = built_once(tmp_path)
    before = snapshot(out)
    model = modelcache.ModelCache(out, site.resolve())

    earlier = model.earlier(discover_site(site.resolve(), opts().load_options(), skip=[out]))
    assert earlier is not None
    page = earlier.read.pages["about.md"]
    (site / "about.md").write_text((site / "about.md").read_text() + "\nMore.\n")
    with pytest.raises(SitegenError, match=r"about\.md: changed while the build ran"):
        page.body  # noqa: B018  # the read is the point
    assert snapshot(out) == before
    settle()
    build_site(site, out, opts())
    assert snapshot(out) == clean_build(site, tmp_path)


def test_the_load_takes_the_signatures_the_no_change_check_took(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Each page file is looked at once a build: the load reuses the no-change check's stat."""
    site, out = built_once(tmp_path)
    looked: list[str] = []
    real = readpages._signature
    monkeypatch.setattr(readpages, "_signature", lambda sf: looked.append(sf.rel) or real(sf))
    edit_and_build(site, out)
    assert looked == []
    assert snapshot(out) == clean_build(site, tmp_path)


def test_the_caches_keep_what_the_pages_taken_over_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(readworkers, "FEW_PAGES", 0)  # read the caches for any page read anew
    site, out = built_once(tmp_path)
    file = FrontMatterCache.cache_file(out)
    before = json.loads(file.read_text())["entries"]
    apply_edit(site, "posts/2026-01-02-b.md", "---\ntitle: B, renamed\n---\nFirst B.")
    build_site(site, out, opts())
    after = json.loads(file.read_text())["entries"]
    assert before.keys() < after.keys()  # the edited front matter added, none dropped


def test_a_forged_model_is_never_unpickled(tmp_path: Path, monkeypatch) -> None:
    site, out = built_once(tmp_path)
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.mkdir, (str(marker),))

    payload = pickle.dumps(Exploit())
    forged = modelcache.MAGIC + cachekey.mac(os.urandom(32), payload) + payload
    modelcache.model_file(out).write_bytes(forged)
    parsed = parsed_pages(monkeypatch)
    edit_and_build(site, out)
    assert not marker.exists()
    assert sorted(parsed) == ALL_PAGES  # the forged file was ignored: every page read
    assert snapshot(out) == clean_build(site, tmp_path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit
        lambda data: b"not a model at all",
    ],
)
def test_a_damaged_model_is_ignored(tmp_path: Path, monkeypatch, damage) -> None:  # type: ignore[no-untyped-def]
    site, out = built_once(tmp_path)
    file = modelcache.model_file(out)
    file.write_bytes(damage(file.read_bytes()))
    assert_an_edit_reads_every_page(site, out, tmp_path, monkeypatch)


def test_an_authentic_model_that_does_not_load_is_ignored(tmp_path: Path, monkeypatch) -> None:
    site, out = built_once(tmp_path)
    key = cachekey.secret_key()
    assert key is not None
    for payload in (b"\x80\x05garbage", pickle.dumps(["a list, not a model"])):
        modelcache.model_file(out).write_bytes(
            modelcache.MAGIC + cachekey.mac(key, payload) + payload
        )
        parsed = parsed_pages(monkeypatch)
        edit_and_build(site, out)
        assert sorted(parsed) == ALL_PAGES
    assert snapshot(out) == clean_build(site, tmp_path)


def test_a_model_of_other_code_is_ignored(tmp_path: Path, monkeypatch) -> None:
    site, out = built_once(tmp_path)
    monkeypatch.setattr(modelcache, "code_key", lambda: "sitegen as edited since")
    assert_an_edit_reads_every_page(site, out, tmp_path, monkeypatch)


def test_a_key_others_can_read_is_not_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    site, out = built_once(tmp_path)
    key_file = cachekey.key_file()
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.chmod(0o644)
    assert_an_edit_reads_every_page(site, out, tmp_path, monkeypatch)


def test_clean_ignores_the_model(tmp_path: Path, monkeypatch) -> None:
    site, out = built_once(tmp_path)
    parsed = parsed_pages(monkeypatch)
    build_site(site, out, dataclasses.replace(opts(), clean=True))
    assert sorted(parsed) == ALL_PAGES


BUILD = [sys.executable, "-m", "sitegen", "build", "site", "-o", "out", "-q"]


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(EDITS, min_size=1, max_size=3))
def test_builds_in_new_processes_equal_a_clean_build(
    tmp_path_factory: pytest.TempPathFactory, edits
) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("processes")
    site = write_tree(tmp / "site", SITE)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    settle()
    subprocess.run(BUILD, cwd=tmp, env=env, check=True)
    for n, (rel, text) in enumerate(edits):
        apply_edit(site, rel, text)
        if n % 2:
            settle()  # the edited page is taken over by the build after next
        subprocess.run(BUILD, cwd=tmp, env=env, check=True)
    clean = tmp / "clean"
    subprocess.run([*BUILD[:-3], "-o", "clean", "--clean", "-q"], cwd=tmp, env=env, check=True)
    assert snapshot(tmp / "out") == snapshot(clean)
