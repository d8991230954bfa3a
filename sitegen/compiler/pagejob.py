"""Layer 3: rendering a site's pages, in this process or in forked worker processes."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.errors import BuildError, Diagnostic, SitegenError
from sitegen.render.limits import TemplateLimits
from sitegen.render.templates import TemplateRoot, Templates

from .bodies import Bodies
from .highlightstore import HighlightStore
from .output import StagingDir
from .reads import page_reads
from .render import Layouts, render_page
from .renderworkers import WorkerDied, Workers
from .views import PageView

Progress = Callable[[str, int, int], None]

PARALLEL_MIN_PAGES = 400  # below this, starting workers costs more than it saves
CHUNK = 50


@dataclass
class PageJob:
    """What the render stage needs to render pages of an assembled site, in this process or in
    forked workers (which inherit it)."""

    pages: Sequence[PageView]
    bodies: Bodies
    roots: Sequence[TemplateRoot]
    strict: bool
    globals: dict[str, Any]
    base: dict[str, Any]
    stage: StagingDir
    highlights: HighlightStore | None = None  # code blocks highlighted by earlier builds
    limits: TemplateLimits | None = None  # time and size a page's templates may take
    bytecode_dir: Path | None = None  # compiled templates kept between builds
    bytecode_key: bytes | None = None  # their MAC key (none: not kept beside the output)
    shipped_bytecode_dir: Path | None = None  # those of sitegen's own theme, for every site
    _compiled: tuple[Templates, Layouts] | None = None
    # Pages whose templates read site.pages, .sections, .tags ...: they list other pages, so
    # an incremental build renders them again when what a list shows of a page changes.
    readers: set[str] = field(default_factory=set)
    body_readers: set[str] = field(default_factory=set)  # pages showing other pages' bodies
    # Outputs the previous build holds as they would render now (see compiler/cache.py).
    reuse: set[str] = field(default_factory=set)

    def templates(self) -> tuple[Templates, Layouts]:
        if self._compiled is None:  # once per process: templates and layout lookups
            templates = Templates(
                self.roots,
                strict=self.strict,
                globals=self.globals,
                limits=self.limits,
                bytecode_dir=self.bytecode_dir,
                bytecode_key=self.bytecode_key,
                shipped_bytecode_dir=self.shipped_bytecode_dir,
            )
            self._compiled = (templates, Layouts(templates))
        return self._compiled

    def reuse_templates(self, earlier: PageJob) -> None:
        """Take over the templates `earlier` compiled (none of them changed since)."""
        self._compiled = earlier._compiled

    def save_caches(self) -> None:
        """Keep highlighted code and compiled templates for the next build (after success)."""
        if self.highlights is not None:
            self.highlights.save()
        if self._compiled is not None:
            self._compiled[0].save_compiled()

    def run_outputs(self, outputs: Iterable[str]) -> list[Diagnostic]:
        """Render the pages that write these output paths (an incremental build)."""
        wanted = set(outputs)
        return self.run(i for i, p in enumerate(self.pages) if p.output in wanted)

    def run(self, indices: Iterable[int]) -> list[Diagnostic]:
        templates, layouts = self.templates()
        problems: list[Diagnostic] = []
        for i in indices:
            page = self.pages[i]
            if page.output in self.reuse:
                if not self.stage.update:  # an update leaves the kept file where it is
                    self.stage.link_file(page.output, self.stage.out / page.output)
                continue
            base = (
                self.base if page.paginator is None else {**self.base, "paginator": page.paginator}
            )
            try:
                with page_reads(page.page) as reads:
                    html = render_page(page, templates, layouts, base, self.bodies)
                self.stage.write_text(page.output, html)
            except SitegenError as exc:
                problems.extend(exc.diagnostics or [Diagnostic(page.source, 1, str(exc))])
            else:
                if reads.seen or page.paginator is not None:  # lists other pages
                    self.readers.add(page.output)
                if reads.bodies:  # shows other pages' bodies
                    self.body_readers.add(page.output)
        return problems


_Drained = tuple[dict[str, str], set[str]] | None
_ChunkResult = tuple[list[Diagnostic], set[str], set[str], _Drained]


def _run_chunk(job: PageJob, indices: range) -> _ChunkResult:
    """In a worker: render the pages, and hand back what the parent must know of them."""
    found = job.run(indices)
    readers, body_readers = job.readers, job.body_readers
    job.readers, job.body_readers = set(), set()  # sent: the next chunk sends only its own
    drained = job.highlights.drain() if job.highlights is not None else None
    return found, readers, body_readers, drained


def render_pages(
    job: PageJob,
    jobs: int | None,
    progress: Progress | None,
    meanwhile: Callable[[], None] | None = None,
) -> list[Diagnostic]:
    """Render the job's pages; `meanwhile`: work of this process that does not depend on them,
    run while forked workers render (this process only waits for them), else first."""
    total = len(job.pages)
    chunks = [range(i, min(i + CHUNK, total)) for i in range(0, total, CHUNK)]
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    to_render = sum(1 for p in job.pages if p.output not in job.reuse)  # the rest is kept
    if workers <= 1 or to_render < PARALLEL_MIN_PAGES or not hasattr(os, "fork"):
        if meanwhile is not None:
            meanwhile()
        problems: list[Diagnostic] = []
        for n, chunk in enumerate(chunks):
            problems.extend(job.run(chunk))
            if progress:
                progress("render", min((n + 1) * CHUNK, total), total)
        return problems
    job.templates()[0].compile_shared()  # once here, not once per worker
    # fork: workers share the loaded site copy-on-write and write their pages themselves,
    # so nothing but diagnostics crosses the process boundary.
    found: dict[int, list[Diagnostic]] = {}
    done = 0
    try:
        pool = Workers(lambda n: _run_chunk(job, chunks[n]), min(workers, len(chunks)))
        with pool, _alongside(meanwhile):  # a thread, started once the workers have forked
            for n, (problems, readers, body_readers, drained) in pool.results(len(chunks)):
                found[n] = problems
                job.readers |= readers
                job.body_readers |= body_readers
                if drained is not None and job.highlights is not None:
                    job.highlights.merge(*drained)
                done += len(chunks[n])
                if progress:
                    progress("render", done, total)
    except WorkerDied as died:
        raise BuildError(_lost(job, chunks[died.chunk], died.how)) from None
    return [d for n in range(len(chunks)) for d in found[n]]  # in the order one process finds


@contextmanager
def _alongside(work: Callable[[], None] | None) -> Iterator[None]:
    """Run `work` in a thread while the body runs, and wait for it at the end. What it raises
    is raised here, unless the body raised first."""
    if work is None:
        yield
        return
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the main thread
            raised.append(exc)

    thread = threading.Thread(target=run, name="sitegen-meanwhile")
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if raised:
        raise raised[0]


def _lost(job: PageJob, chunk: range, how: str) -> list[Diagnostic]:
    """A diagnostic for each page of a chunk whose worker died."""
    message = (
        f"the process rendering this page died ({how}; killed, or out of memory?): build again"
    )
    return [Diagnostic(job.pages[i].source, 1, message) for i in chunk]
