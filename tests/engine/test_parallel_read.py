"""Pages read in forked worker processes (compiler/readworkers.py) load the site a single
process loads: the same pages, problems and warnings in the same order, the same cache entries
used; a worker that dies fails the build naming pages, and never hangs it."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sitegen
from sitegen import frontmatter
from sitegen.compiler import readworkers
from sitegen.compiler.cache import PageKeys
from sitegen.compiler.fmcache import FrontMatterCache
from sitegen.compiler.linkscache import LinksCache
from sitegen.compiler.load import LoadedSite, LoadOptions, Readers, discover_site, read_site
from sitegen.compiler.pipeline import BuildOptions, ReadCaches, build_site
from sitegen.errors import BuildError
from sitegen.model import Page
from tests.alarms import fails_after
from tests.conftest import NOW
from tests.trees import snapshot, write_tree

# Every kind of page source: good ones, each problem read_page reports, drafts, held-back and
# expired pages, links that reach a page, an attachment, nothing.
PAGES: list[str | bytes] = [
    "---\ntitle: Good\ntags: [a, b]\ndate: 2026-01-02\n---\nSee [b](b0.md) and [x](nowhere.md).\n",
    "# A heading title\n\nNo front matter; a ![pic](.attachments.1/pic.png).\n",
    "---\ntitle: [unclosed\n---\nbody\n",
    "---\ntitle: 5\n---\nbody\n",
    "---\nweight: heavy\n---\nbody\n",
    "---\ndate: not a date\n---\nbody\n",
    "---\ntitle: Draft\ndraft: true\n---\n[gone](missing.png)\n",
    "---\ntitle: Later\npublish_date: 2030-01-01\n---\n[gone](missing.png)\n",
    "---\ntitle: Expired\nexpiry_date: 2020-01-01\n---\nbody\n",
    "---\ntitle: Expiring\nexpiry_date: 2030-01-01\n---\n[up](../b0.md)\n",
    "---\ntitle: no closing fence\nbody\n",
    b"\x00\x01binary",
    b"---\ntitle: x\n---\nbad \xff byte\n",
    "\ufeff---\r\ntitle: CRLF\r\n---\r\nbody [b](b0.md)\r\n",
]
NAMES = st.text(alphabet="abc", min_size=1, max_size=3)


@contextmanager
def workers_for_any_site() -> Iterator[None]:
    """Parse in workers however few pages the site has."""
    with mock.patch.object(readworkers, "PARALLEL_MIN_PAGES", 1):
        yield


def load(
    site: Path, tmp: Path, jobs: int, keys: PageKeys | None = None
) -> tuple[LoadedSite, dict[str, Any], dict[str, Any]]:
    out = tmp / f"out{jobs}"
    fm, links = FrontMatterCache.load(out), LinksCache.load(out)
    readers = Readers(fm.parse, links.links, (fm, links), jobs, keys)
    loaded = read_site(discover_site(site, LoadOptions(now=NOW)), LoadOptions(now=NOW), readers)
    return loaded, fm.drain(), links.drain()


def page_values(pages: Any) -> list[tuple[Any, ...]]:
    return [tuple(getattr(p, f.name) for f in dataclasses.fields(Page)) for p in pages]


def same_load(a: LoadedSite, b: LoadedSite) -> None:
    assert page_values(a.pages) == page_values(b.pages)
    assert page_values(a.read.pages.values()) == page_values(b.read.pages.values())
    assert a.read.signatures == b.read.signatures
    assert a.problems == b.problems  # the same problems, at the same lines, in the same order
    assert a.warnings == b.warnings
    assert sorted(a.files) == sorted(b.files)
    assert a.next_due == b.next_due


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["", "b/", "c/d/"]), NAMES),
        st.sampled_from(range(len(PAGES))),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 3),
)
def test_workers_load_what_one_process_loads(
    tmp_path_factory: pytest.TempPathFactory, sources: dict[tuple[str, str], int], jobs: int
) -> None:
    tmp = tmp_path_factory.mktemp("site")
    files: dict[str, str | bytes] = {
        f"{folder}{name}.md": PAGES[kind] for (folder, name), kind in sources.items()
    }
    files["b0.md"] = "# B zero"
    files[".attachments.1/pic.png"] = b"PNG"
    files["c/_data.yaml"] = "d:\n  title: From data\n"
    site = write_tree(tmp / "site", files)
    one, fm_one, links_one = load(site, tmp / "1", 1)
    keys = PageKeys()
    with workers_for_any_site():
        many, fm_many, links_many = load(site, tmp / "n", jobs + 1, keys)
    same_load(one, many)
    assert fm_many == fm_one  # the caches keep exactly what a single process used
    assert links_many == links_one
    # Each published page's render-cache keys came back from the process that read it, as the
    # parent would make them.
    assert {p.source: keys.known[p] for p in many.pages} == {
        p.source: PageKeys().all(p) for p in many.pages
    }


def test_a_parse_that_changes_the_body_is_sent_back_as_it_is(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site", {f"p{i}.md": f"---\nn: {i}\n---\nbody {i}" for i in range(9)}
    )

    def shout(text: str, path: str) -> frontmatter.FrontMatter:
        fm = frontmatter.parse(text, path)
        return dataclasses.replace(fm, body=fm.body.upper())

    discovered = discover_site(site, LoadOptions(now=NOW))
    with workers_for_any_site():
        loaded = read_site(discovered, LoadOptions(now=NOW), Readers(shout, jobs=2))
    assert sorted(p.body for p in loaded.pages) == [f"BODY {i}" for i in range(9)]


def test_a_killed_worker_fails_the_build_naming_pages_and_never_hangs(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {f"p{i:03}.md": f"page {i}" for i in range(300)})
    parent = os.getpid()

    def killing(text: str, path: str) -> frontmatter.FrontMatter:
        if path.endswith("p150.md") and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return frontmatter.parse(text, path)

    discovered = discover_site(site, LoadOptions(now=NOW))
    with workers_for_any_site(), fails_after(60), pytest.raises(BuildError) as caught:
        read_site(discovered, LoadOptions(now=NOW), Readers(killing, jobs=2))
    [problem] = caught.value.diagnostics
    assert problem.path.startswith("p") and problem.path.endswith(".md")
    assert "stopped unexpectedly" in problem.message
    assert "Traceback" not in str(caught.value)


def test_a_cold_build_in_workers_reports_each_problem_at_its_line(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"p{i:03}.md": f"# Page {i}\n" for i in range(450)}
    files["p007.md"] = "---\ntitle: ok\nweight: heavy\n---\nbody"
    files["p300.md"] = "---\ntitle: [unclosed\n---\nbody"
    site = write_tree(tmp_path / "site", files)
    with pytest.raises(BuildError) as caught:
        build_site(site, tmp_path / "out", BuildOptions(now=NOW, jobs=2))
    assert [d.location for d in caught.value.diagnostics] == ["p007.md:3", "p300.md:2"]
    assert not (tmp_path / "out").exists()


def test_a_cold_build_in_workers_writes_what_one_process_writes(tmp_path: Path) -> None:
    files = {
        f"s{i % 3}/p{i:03}.md": f"---\ntitle: P{i}\ntags: [t{i % 5}]\n---\n[next](p{i + 1:03}.md)"
        for i in range(450)
    }
    site = write_tree(tmp_path / "site", {**files, "sitegen.toml": 'taxonomies = ["tags"]\n'})
    build_site(site, tmp_path / "one", BuildOptions(now=NOW, jobs=1))
    build_site(site, tmp_path / "two", BuildOptions(now=NOW, jobs=2))
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")


def test_only_a_build_without_cached_front_matter_parses_in_workers(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {"a.md": "---\ntitle: A\n---\nbody"})
    out = tmp_path / "out"
    assert ReadCaches.load(out, clean=False).readers(2).jobs == 2  # a first build
    build_site(site, out, BuildOptions(now=NOW, jobs=2))
    assert ReadCaches.load(out, clean=False).readers(2).jobs == 1  # cheap parses: no fork
    assert ReadCaches.load(out, clean=True).readers(2).jobs == 2  # --clean


# A child Python imports this tree's sitegen, as the tests do.
ENV = {**os.environ, "PYTHONPATH": str(Path(sitegen.__file__).parent.parent)}
READ_IN_WORKERS = """
import sys
from pathlib import Path
from sitegen import frontmatter
from sitegen.compiler.load import LoadOptions, Readers, discover_site, read_site
options = LoadOptions()
loaded = read_site(discover_site(Path(sys.argv[1]), options), options, Readers(frontmatter.parse, jobs=2))
assert len(loaded.pages) == 400 and not loaded.problems, loaded.problems
print("yaml" in sys.modules)
"""


@pytest.mark.parametrize("second_half", ["title: Plain", "title: 'Quoted'"])
def test_pyyaml_is_imported_before_forking_only_when_a_process_starts_on_a_page_needing_it(
    tmp_path: Path, second_half: str
) -> None:
    """Two processes, the parent reading the first half: it imports PyYAML for the child (once,
    not in each) when the child's first page needs it, and not at all when it does not."""
    files = {
        f"p{i:03}.md": f"---\n{'title: Plain' if i < 200 else second_half}\n---\nb"
        for i in range(400)
    }
    site = write_tree(tmp_path / "site", files)
    run = subprocess.run(
        [sys.executable, "-c", READ_IN_WORKERS, str(site)], capture_output=True, text=True, env=ENV
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str("Quoted" in second_half)]
