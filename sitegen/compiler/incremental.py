"""Layer 3: the preview's builds, composed of the same stages as any build (load, assemble,
look, render, write), each given the values the last build made so it reuses what did not change.

- load: pages whose files did not change are taken over, not read (compiler/readpages.py);
- assemble: the rendered bodies of unchanged pages carry over (compiler/site.py);
- look: the stylesheets are compiled again only when one changed;
- render: only the pages an edit affects (`pages_affected`): the edited pages, the pages showing
  other pages' bodies, and, when what a list shows of an edited page changed (title, dates, tags,
  front matter, summary), the pages listing pages, the generated ones and the edited pages'
  neighbours;
- write: a file goes into the output only when its bytes changed.

Everything is rendered again when a template, data file, setting or theme changed, or a page or
file was added or removed (a link anywhere may now lead elsewhere). Every update goes through a
staging folder and is moved into the output file by file, each with one atomic rename, only when
it rendered without errors; on an error the output stays as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.errors import BuildError
from sitegen.model import SETTINGS_FILES, Page, is_page, is_private

from .assemble import STYLE_SUFFIXES
from .cache import summary_source
from .gcpause import collector_paused
from .linkscache import LinksMemo
from .load import LoadedSite, Readers, load_site
from .look import Look, look
from .output import StagingDir
from .ownership import mark_owned
from .pagejob import PageJob
from .pipeline import BuildOptions
from .rendersite import (
    RenderContext,
    index_files,
    markdown_engine,
    other_files,
    page_job,
    render_pages,
    write,
)
from .site import Site, assemble
from .views import PageView


@dataclass(frozen=True)
class Update:
    written: tuple[str, ...]  # output paths rewritten or created
    removed: tuple[str, ...]
    css_only: bool  # only stylesheets changed: swap CSS in place, no reload
    full: bool  # everything was rebuilt
    seconds: float
    base_path: str = "/"  # the URL path the site is served under (its settings' base_url)


@dataclass(frozen=True)
class Built:
    """One build of the preview: the values its stages made, for the next build to reuse."""

    site: Site
    look: Look
    job: PageJob  # holds the compiled templates
    readers: frozenset[str]  # outputs listing other pages
    body_readers: frozenset[str]  # outputs showing other pages' bodies


class IncrementalBuilder:
    """Builds `site_dir` into `out_dir` (a folder it owns), then keeps it up to date."""

    def __init__(self, site_dir: Path, out_dir: Path, options: BuildOptions | None = None) -> None:
        self.site_dir = site_dir.resolve()
        self.out_dir = out_dir.resolve()
        self.options = options or BuildOptions()
        self._last: Built | None = None
        self._digests: dict[str, bytes] = {}  # output path -> digest of what is on disk
        self._links = LinksMemo()  # the links of page bodies, found by earlier builds

    @property
    def site(self) -> LoadedSite | None:
        return self._last.site.loaded if self._last is not None else None

    def build(self, changed: Iterable[str] | None = None) -> Update:
        """Bring the output up to date with `changed` site paths (None: rebuild everything)."""
        started = time.perf_counter()
        last = self._last
        paths = None if changed is None else sorted(set(changed))
        if paths is None or last is None or not _partial_will_do(paths, last, self.site_dir):
            last = None
        update = self._build(last, paths or [])
        base_path = self._last.site.loaded.config.base_path if self._last else "/"
        seconds = time.perf_counter() - started
        return dataclasses.replace(update, seconds=seconds, base_path=base_path)

    def _build(self, last: Built | None, paths: list[str]) -> Update:
        options = self.options
        earlier = last.site.loaded if last is not None else None
        readers = Readers(find_links=self._links.links)
        with collector_paused():
            loaded = load_site(
                self.site_dir, options.load_options(), [self.out_dir], readers, earlier
            )
            self._links.forget_unused()
            same_config = last is not None and last.site.loaded.config == loaded.config
            engine = last.site.bodies.engine if last and same_config else None
            site = assemble(loaded, engine or markdown_engine(loaded.config, None), _site(last))
        which = pages_affected(last, site) if last is not None else None
        if which is None:
            last = None  # a full build
        styles_changed = any(p.endswith(STYLE_SUFFIXES) for p in paths)
        appearance = last.look if last is not None and not styles_changed else look(site)
        stage = StagingDir(self.out_dir, self.site_dir, replace=options.replace_output)
        try:
            now = dt.datetime.now(dt.timezone.utc)
            job = page_job(site, appearance, stage, RenderContext(now))
            if last is not None and not any(p.endswith(".html") for p in paths):
                job.reuse_templates(last.job)  # an HTML page is a template itself
            indexes = index_files(site, now)  # before rendering, as a clean build makes them
            problems = [*site.problems, *appearance.problems]
            problems += render_pages(job, which, options.jobs)
            files = other_files(site, appearance, indexes, problems)
            if last is not None:  # files copied as they are: only the edited ones
                files = {o: c for o, c in files.items() if not isinstance(c, Path) or o in paths}
            write(files, stage)
            if problems:
                raise BuildError(problems)
            keep = None if last is not None else {*site.plan.pages, *files}
            written, removed = self._merge(stage, keep)
            mark_owned(self.out_dir)
        finally:
            stage.discard()
        self._last = _built(site, appearance, job, last, which)
        css_only = bool(written) and all(w.endswith(".css") for w in written)
        return Update(
            tuple(written), tuple(removed), css_only and last is not None, last is None, 0
        )

    # --- moving a staging folder into the output ---------------------------------------------

    def _merge(self, stage: StagingDir, keep: set[str] | None) -> tuple[list[str], list[str]]:
        """Rename each staged file into the output when its content differs; with `keep`,
        remove every output file not in it."""
        written: list[str] = []
        for rel in _files(stage.path):
            src = stage.path / rel
            digest = _digest(src)
            if self._digests.get(rel) == digest and (self.out_dir / rel).is_file():
                continue
            dest = self.out_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_dir():
                shutil.rmtree(dest)
            os.replace(src, dest)
            self._digests[rel] = digest
            written.append(rel)
        removed: list[str] = []
        if keep is not None:
            for rel in _files(self.out_dir):
                if rel not in keep:
                    (self.out_dir / rel).unlink()
                    self._digests.pop(rel, None)
                    removed.append(rel)
        return written, removed


def _partial_will_do(paths: list[str], last: Built, site_dir: Path) -> bool:
    """Whether these edits leave the site's templates, data, settings and list of files as they
    were (a partial build can only go without rendering everything then)."""
    known = last.site.loaded.files
    for rel in paths:
        exists = (site_dir / rel).is_file()
        if rel in SETTINGS_FILES or rel.startswith("themes/"):
            return False
        if rel.endswith(STYLE_SUFFIXES):
            if last.site.loaded.config.fingerprint or (not is_private(rel)) != (rel in known):
                return False  # new hashed names, or a stylesheet added or removed
        elif is_private(rel):
            return False  # a layout, partial or data file: everything may depend on it
        elif (rel in known) != exists:
            return False  # a page or file added or removed: links may lead elsewhere now
        elif not is_page(rel) and last.site.loaded.config.fingerprint:
            return False  # a file with a new hashed name
    return True


def pages_affected(last: Built, site: Site) -> set[str] | None:
    """The outputs of the pages that render differently after the edits that made `site` from
    `last.site`; None when any may (the pages or their URLs changed)."""
    old = last.site
    if old.targets.key() != site.targets.key() or old.plan.pages.keys() != site.plan.pages.keys():
        return None
    before = {v.source: v for v in old.pages}
    edited = [v for v in site.pages if before[v.source].page is not v.page]
    which = {v.output for v in edited}
    if edited:
        which |= last.body_readers
    if any(_shown(before[v.source].page) != _shown(v.page) for v in edited):
        which |= last.readers | {v.output for v in site.made}
        which |= _neighbours_changed(before, site.pages)
    return which


def _shown(page: Page) -> tuple[object, ...]:
    """What other pages can show of this one apart from its body."""
    return (*page.listing_view(), summary_source(page))


def _neighbours_changed(before: Mapping[str, PageView], pages: Iterable[PageView]) -> set[str]:
    """The outputs of pages whose neighbours are other pages now, or were edited."""

    def around(v: PageView | None) -> tuple[object, ...]:
        if v is None:
            return ()
        return tuple((n.source, _shown(n.page)) if n else None for n in (v.prev, v.next))

    return {v.output for v in pages if around(before.get(v.source)) != around(v)}


def _site(last: Built | None) -> Site | None:
    return last.site if last is not None else None


def _built(
    site: Site, appearance: Look, job: PageJob, last: Built | None, which: set[str] | None
) -> Built:
    """The build just made, its readers updated by the pages it rendered."""
    readers, body_readers = set(job.readers), set(job.body_readers)
    if last is not None and which is not None:
        readers |= last.readers - which
        body_readers |= last.body_readers - which
    return Built(site, appearance, job, frozenset(readers), frozenset(body_readers))


def _files(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    out = []
    for dirpath, _dirs, names in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        for name in names:
            out.append(name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/"))
    return sorted(out)


def _digest(path: Path) -> bytes:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
