"""Pages rendered in forked workers (compiler/pagejob.py over compiler/renderworkers.py) come
out as one process renders them; a worker that dies fails the build naming its pages, leaves
the output as it was and never hangs the build; nothing outlives the build, Ctrl-C included."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.compiler import pagejob
from sitegen.compiler.load import LoadOptions, load_site
from sitegen.compiler.look import look
from sitegen.compiler.output import StagingDir
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.compiler.rendersite import RenderContext, markdown_engine, page_job, render_pages
from sitegen.compiler.site import assemble
from sitegen.errors import BuildError, Diagnostic
from tests.alarms import fails_after
from tests.conftest import NOW
from tests.trees import snapshot, write_tree

LAYOUTS = {
    "_layout.html": "<title>{{ page.title }}</title>{{ content }}",
    "_layouts/lists.html": "{% for p in site.pages %}{{ p.title }}{% endfor %}",
    # (an HTML page's `content` is what its template rendered in the same process, if it did)
    "_layouts/shows.html": "{% for p in site.pages if p.kind == 'md' %}{{ p.content }}{% endfor %}",
}
# Markdown pages plain, listing the others, showing their bodies; HTML pages failing two ways.
KINDS = [
    "---\ntitle: P{i}\n---\nBody {i}.",
    "---\ntitle: P{i}\nlayout: lists\n---\nBody {i}.",
    "---\ntitle: P{i}\nlayout: shows\n---\nBody {i}.",
    "{{ page.title | no_such_filter }}",
    "{{ page.title.nope() }}",
]


def site_of(kinds: list[int]) -> dict[str, str]:
    suffix = [".md", ".md", ".md", ".html", ".html"]
    pages = {f"p{i:03}{suffix[k]}": KINDS[k].format(i=i) for i, k in enumerate(kinds)}
    return {**LAYOUTS, **pages}


@contextmanager
def workers_for_any_site(chunk: int = 3) -> Iterator[None]:
    """Render in workers however few pages the site has, a few pages per chunk."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pagejob, "PARALLEL_MIN_PAGES", 1)
        patch.setattr(pagejob, "CHUNK", chunk)
        yield


def render(site: Path, out: Path, jobs: int) -> tuple[list[Diagnostic], set[str], set[str]]:
    """The render stage alone: its problems (in their order) and the pages that read others."""
    loaded = load_site(site, LoadOptions(now=NOW))
    assembled = assemble(loaded, markdown_engine(loaded.config, None))
    stage = StagingDir(out, site)
    job = page_job(assembled, look(assembled), stage, RenderContext(NOW))
    problems = render_pages(job, None, jobs)
    stage.commit()
    return problems, job.readers, job.body_readers


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(range(len(KINDS))), min_size=1, max_size=20), st.integers(2, 4))
def test_workers_render_what_one_process_renders(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[int], jobs: int
) -> None:
    tmp = tmp_path_factory.mktemp("render")
    site = write_tree(tmp / "site", site_of(kinds))
    one = render(site, tmp / "one", 1)
    with workers_for_any_site():
        many = render(site, tmp / "many", jobs)
    assert many == one  # the same problems in the same order, the same readers
    assert snapshot(tmp / "many") == snapshot(tmp / "one")


def children() -> set[int]:
    """This process's children, running or not yet reaped."""
    me = os.getpid()
    return {int(pid) for pid in Path(f"/proc/{me}/task/{me}/children").read_text().split()}


def in_a_worker_at(page_source: str, act: Callable[[], None], patch: pytest.MonkeyPatch) -> None:
    """Make forked workers do `act` when they come to render `page_source`."""
    parent, real = os.getpid(), pagejob.render_page

    def render_page(page: Any, *args: Any) -> str:
        if page.source == page_source and os.getpid() != parent:
            act()
        return real(page, *args)

    patch.setattr(pagejob, "render_page", render_page)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """A site of 40 pages built once (in one process), and its output."""
    site = write_tree(tmp_path / "site", site_of([i % 3 for i in range(40)]))
    build_site(site, tmp_path / "out", BuildOptions(now=NOW, jobs=1))
    return site, tmp_path / "out"


def kill_myself() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would


@pytest.mark.parametrize(
    ("act", "how"), [(kill_myself, "signal 9"), (lambda: os._exit(3), "exit status 3")]
)
def test_a_worker_that_dies_fails_the_build_naming_its_pages_and_never_hangs(
    built: tuple[Path, Path], act: Callable[[], None], how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out = built
    before, others = snapshot(out), sorted(os.listdir(out.parent))
    in_a_worker_at("p017.md", act, monkeypatch)
    running = children()
    with workers_for_any_site(chunk=4), fails_after(60), pytest.raises(BuildError) as caught:
        build_site(site, out, BuildOptions(now=NOW, jobs=2, clean=True))
    lost = [d.location for d in caught.value.diagnostics]
    assert lost == ["p016.md:1", "p017.md:1", "p018.md:1", "p019.md:1"]  # its chunk
    assert f"the process rendering this page died ({how}" in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert snapshot(out) == before  # the output as it was, no staging folder left beside it
    assert sorted(os.listdir(out.parent)) == others
    assert children() <= running  # every worker reaped


def test_an_exception_in_a_worker_is_raised_as_one_process_raises_it(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out = built

    def bug() -> None:
        raise LookupError("a bug in a worker")

    in_a_worker_at("p017.md", bug, monkeypatch)
    running = children()
    with workers_for_any_site(), pytest.raises(LookupError, match="a bug in a worker"):
        build_site(site, out, BuildOptions(now=NOW, jobs=2, clean=True))
    assert children() <= running


def test_ctrl_c_during_the_render_leaves_no_worker_running(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out = built
    parent = os.getpid()
    before = snapshot(out)

    def interrupt_the_parent_and_go_on_rendering() -> None:
        os.kill(parent, signal.SIGINT)
        time.sleep(120)

    in_a_worker_at("p017.md", interrupt_the_parent_and_go_on_rendering, monkeypatch)
    running = children()
    with workers_for_any_site(), fails_after(60), pytest.raises(KeyboardInterrupt):
        build_site(site, out, BuildOptions(now=NOW, jobs=2, clean=True))
    assert children() <= running  # the sleeping worker too: killed and reaped
    assert snapshot(out) == before


def test_more_workers_than_chunks_render_every_page(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", site_of([0, 1, 2]))
    with workers_for_any_site(chunk=1):
        problems, readers, _ = render(site, tmp_path / "out", 8)
    assert problems == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["p000", "p001", "p002"]
    assert readers == {"p001/index.html", "p002/index.html"}


def render_with(site: Path, out: Path, meanwhile: Callable[[], None]) -> list[Diagnostic]:
    loaded = load_site(site, LoadOptions(now=NOW))
    assembled = assemble(loaded, markdown_engine(loaded.config, None))
    stage = StagingDir(out, site)
    job = page_job(assembled, look(assembled), stage, RenderContext(NOW))
    try:
        return render_pages(job, None, 2, None, meanwhile)
    finally:
        stage.discard()


def test_the_parents_own_work_runs_while_the_workers_render(tmp_path: Path) -> None:
    """`meanwhile` (the build keeps what it read) runs in the parent while the forked workers
    render, not before or after them: the workers are seen alive from it."""
    site = write_tree(tmp_path / "site", site_of([0] * 12))
    seen: list[set[int]] = []

    def meanwhile() -> None:
        seen.append(children())

    with workers_for_any_site(chunk=1):
        original = pagejob._run_chunk

        def slow_chunk(job: Any, indices: range) -> Any:
            time.sleep(0.2)  # the workers are still rendering when the parent looks
            return original(job, indices)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pagejob, "_run_chunk", slow_chunk)
            assert render_with(site, tmp_path / "out", meanwhile) == []
    assert len(seen) == 1 and len(seen[0]) == 2


def test_what_the_parents_own_work_raises_is_raised_after_the_workers_end(
    tmp_path: Path,
) -> None:
    site = write_tree(tmp_path / "site", site_of([0] * 6))

    def meanwhile() -> None:
        raise RuntimeError("a bug in the parent's own work")

    with workers_for_any_site(), fails_after(60), pytest.raises(RuntimeError, match="a bug"):
        render_with(site, tmp_path / "out", meanwhile)
    assert children() == set()  # every worker ended and was reaped


def test_a_failed_build_keeps_nothing_it_read(tmp_path: Path) -> None:
    """The model and read caches are encoded while the workers render, but written only once
    the build succeeded: a failed build leaves the site folder as it was."""
    files = {f"p{i:03}.md": f"# Page {i}\n" for i in range(12)}
    site = write_tree(tmp_path / "site", {**files, "p005.md": "---\ntitle: [unclosed\n---\n"})
    before = snapshot(tmp_path)
    with workers_for_any_site(), pytest.raises(BuildError):
        build_site(site, tmp_path / "out", BuildOptions(now=NOW, jobs=2))
    assert snapshot(tmp_path) == before
