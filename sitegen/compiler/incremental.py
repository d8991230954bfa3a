"""Layer 3: rebuild only what a change affects, for the preview.

The builder keeps the last build in memory. Where it can tell what an edit affects it re-renders
just that:

- only stylesheets changed: recompile the stylesheets (`Update.css_only`, no page reload needed);
- only static files changed: copy or remove those files;
- Markdown or HTML pages changed, their list-visible metadata (URL, title, dates, tags, summary,
  front matter) unchanged: re-render those pages and the pages whose templates read the site's
  page collections (site.pages, .sections, .tags), since those may show the edited content;
- anything else (a template, data, settings, a page added, removed or re-titled): a full build.

Every update goes through a staging folder and is moved into the output file by file, each with
one atomic rename, only when it rendered without errors; on an error the output stays as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sitegen.errors import BuildError, Diagnostic, SitegenError
from sitegen.model import SETTINGS_FILES, Page, is_page, is_private

from . import load as loader
from .assemble import STYLE_SUFFIXES, plan_outputs
from .output import StagingDir
from .ownership import mark_owned
from .pipeline import BuildOptions
from .rendersite import RenderedSite, compile_styles, render_site


@dataclass(frozen=True)
class Update:
    written: tuple[str, ...]  # output paths rewritten or created
    removed: tuple[str, ...]
    css_only: bool  # only stylesheets changed: swap CSS in place, no reload
    full: bool  # everything was rebuilt
    seconds: float
    base_path: str = "/"  # the URL path the site is served under (its settings' base_url)


class IncrementalBuilder:
    """Builds `site_dir` into `out_dir` (a folder it owns), then keeps it up to date."""

    def __init__(self, site_dir: Path, out_dir: Path, options: BuildOptions | None = None) -> None:
        self.site_dir = site_dir.resolve()
        self.out_dir = out_dir.resolve()
        self.options = options or BuildOptions()
        self._site: loader.LoadedSite | None = None
        self._rendered: RenderedSite | None = None
        self._digests: dict[str, bytes] = {}  # output path -> digest of what is on disk

    @property
    def site(self) -> loader.LoadedSite | None:
        return self._site

    def build(self, changed: Iterable[str] | None = None) -> Update:
        """Bring the output up to date with `changed` site paths (None: rebuild everything)."""
        started = time.perf_counter()
        paths = None if changed is None else sorted(set(changed))
        if paths is not None and self._rendered is not None and self._site is not None:
            update = self._try_partial(paths)
            if update is not None:
                return _timed(update, started, self._site)
        return _timed(self._full(), started, self._site)

    # --- full builds -------------------------------------------------------------------------

    def _full(self) -> Update:
        site = loader.load_site(self.site_dir, self.options.load_options(), skip=[self.out_dir])
        stage = self._stage()
        try:
            rendered = render_site(site, stage, self.options.jobs)
            if rendered.problems:
                raise BuildError(rendered.problems)
            written, removed = self._merge(stage, keep=set(rendered.outputs))
            mark_owned(self.out_dir)
        finally:
            stage.discard()
        self._site, self._rendered = site, rendered
        return Update(tuple(written), tuple(removed), False, True, 0.0)

    def _stage(self) -> StagingDir:
        return StagingDir(self.out_dir, self.site_dir, replace=self.options.replace_output)

    # --- partial builds ----------------------------------------------------------------------

    def _try_partial(self, paths: list[str]) -> Update | None:
        site, rendered = self._site, self._rendered
        assert site is not None and rendered is not None and rendered.job is not None
        known = site.files
        pages_changed, styles, assets = [], [], []
        for rel in paths:
            if rel in SETTINGS_FILES or rel.startswith("themes/"):
                return None
            if rel.endswith(STYLE_SUFFIXES):
                if site.config.fingerprint or (not is_private(rel)) != (rel in known):
                    return None  # new hashed names, or a stylesheet added or removed
                styles.append(rel)
            elif is_private(rel):
                return None  # a layout, partial or data file: everything may depend on it
            elif is_page(rel):
                if rel not in known or not (self.site_dir / rel).is_file():
                    return None  # a page added or removed changes the site's collections
                pages_changed.append(rel)
            else:
                if (rel in known) != (self.site_dir / rel).is_file():
                    return None  # an asset added or removed: the output plan changes
                assets.append(rel)
        stage = self._stage()
        try:
            problems: list[Diagnostic] = []
            if pages_changed:
                outputs = self._rerender_pages(pages_changed, stage)
                if outputs is None:
                    return None
                problems = rendered.job.run_outputs(outputs)
                if rendered.reindex is not None:  # feeds and search index show page bodies
                    for out, content in rendered.reindex().items():
                        stage.write_bytes(out, content)
            if styles:
                problems += self._restyle(stage)
            for rel in assets:
                stage.copy_file(rel, self.site_dir / rel)
            if problems:
                raise BuildError(problems)
            written, _ = self._merge(stage, keep=None)
        finally:
            stage.discard()
        css_only = bool(written) and all(w.endswith(".css") for w in written)
        return Update(tuple(written), (), css_only, False, 0.0)

    def _rerender_pages(self, rels: list[str], stage: StagingDir) -> list[str] | None:
        """Re-read the changed pages into the live model; None when their metadata changed."""
        site, rendered = self._site, self._rendered
        assert site is not None and rendered is not None and rendered.job is not None
        job = rendered.job
        by_source = {p.source: p for p in job.pages if p.paginator is None}
        folder_data = loader.folder_data(site)
        fresh: list[tuple[Page, Page]] = []
        for rel in rels:
            old = by_source.get(rel)
            if old is None:
                return None  # a draft or held-back page: whether it shows may change
            try:
                new = loader.read_page(site, site.files[rel], folder_data)
            except SitegenError as exc:
                raise BuildError(list(exc.diagnostics)) from None
            new.body_renderer = old.body_renderer
            new.summary_renderer = old.summary_renderer
            if new.listing_view() != old.listing_view():
                return None
            fresh.append((old, new))
        for old, new in fresh:
            if new.body_renderer and old.summary != new.summary:
                return None  # listings show the summary
            old.body, old.body_line, old.key_lines = new.body, new.body_line, new.key_lines
            old.reset_body()
        job.stage = stage
        targets = {old.output for old, _ in fresh} | job.readers
        return sorted(targets)

    def _restyle(self, stage: StagingDir) -> list[Diagnostic]:
        site, rendered = self._site, self._rendered
        assert site is not None and rendered is not None and rendered.job is not None
        problems: list[Diagnostic] = []
        sources = plan_outputs(site.pages, site.files, []).styles
        for out, css in compile_styles(sources, rendered.job.roots, problems).items():
            stage.write_text(out, css)
        return problems

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


def _timed(update: Update, started: float, site: loader.LoadedSite | None) -> Update:
    base_path = site.config.base_path if site is not None else "/"
    return dataclasses.replace(update, seconds=time.perf_counter() - started, base_path=base_path)
