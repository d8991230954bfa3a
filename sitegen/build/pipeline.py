"""Layer 3: the build as named stages: load -> assemble -> render -> write.

Every read happens before any write, every problem is collected before the build stops, and the
output folder is replaced only by a complete build.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.errors import BuildError, Diagnostic, SitegenError
from sitegen.render.markdown import make_engine
from sitegen.render.sass import compile_scss
from sitegen.render.templates import TemplateRoot, Templates

from . import assemble
from .load import LoadedSite, LoadOptions, load_site
from .output import StagingDir
from .render import Layouts, render_body, render_page

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    clean: bool = False
    now: dt.datetime | None = None
    base_url: str | None = None  # overrides sitegen.toml's (the preview serves at /)


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    pages: int
    assets: int
    seconds: float
    outputs: tuple[str, ...]
    next_due: dt.datetime | None  # when a scheduled build would change the site by itself


@dataclass
class RenderedSite:
    files: dict[str, str | Path]  # output path -> text, or a file to copy
    problems: list[Diagnostic]
    pages: int
    assets: int


def build_site(
    site_dir: Path,
    out_dir: Path,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the site in `site_dir` into `out_dir`; raise BuildError and leave out_dir as it was."""
    options = options or BuildOptions()
    started = time.perf_counter()
    site_dir, out_dir = site_dir.resolve(), out_dir.resolve()
    if not site_dir.is_dir():
        raise SitegenError(f"{site_dir}: no such folder")
    load_opts = LoadOptions(options.drafts, options.future, options.now, options.base_url)
    site = load_site(site_dir, load_opts, skip=[out_dir])
    rendered = render_site(site, progress)
    if rendered.problems:
        raise BuildError(rendered.problems)
    stage = StagingDir(out_dir)
    try:
        for i, (rel, content) in enumerate(sorted(rendered.files.items())):
            if isinstance(content, Path):
                stage.copy_file(rel, content)
            else:
                stage.write_text(rel, content)
            if progress and i % 256 == 0:
                progress("write", i, len(rendered.files))
        stage.commit()
    except BaseException:
        stage.discard()
        raise
    return BuildResult(
        out_dir=out_dir,
        pages=rendered.pages,
        assets=rendered.assets,
        seconds=time.perf_counter() - started,
        outputs=tuple(sorted(rendered.files)),
        next_due=site.next_due,
    )


def render_site(site: LoadedSite, progress: Progress | None = None) -> RenderedSite:
    """Assemble and render a loaded site in memory (pure apart from reading theme/site files)."""
    problems = list(site.problems)
    config = site.config
    plan = assemble.plan_outputs(site.pages, site.files, problems)
    pages = list(plan.pages.values())
    page_urls = {p.source: p.url for p in pages}
    site_view = config.template_view()
    site_view["pages"] = pages
    site_view["sections"] = assemble.sections(pages)
    site_view["tags"] = assemble.tags(pages)

    try:
        engine = make_engine(config.markdown_engine)
    except ImportError as exc:
        raise SitegenError(f"markdown_engine {config.markdown_engine!r} is not installed: {exc}") from None
    for p in pages:
        if p.kind == "md":
            render_body(p, engine, assemble.link_resolver(p.source, page_urls, config))

    roots = [TemplateRoot(site.site_dir, "")]
    if site.theme_dir is not None:
        roots.append(TemplateRoot(site.theme_dir, f"themes/{config.theme}/"))
    templates = Templates(
        roots,
        strict=config.strict,
        globals={
            "url": config.url,
            "asset": config.url,
            "now": dt.datetime.now(dt.timezone.utc),
            "sitegen_version": __version__,
        },
    )
    layouts = Layouts(templates)
    base: dict[str, Any] = {"site": site_view, "data": site.data}
    files: dict[str, str | Path] = {}
    total = len(plan.pages)
    for i, (out, page) in enumerate(plan.pages.items()):
        try:
            files[out] = render_page(page, templates, layouts, base)
        except SitegenError as exc:
            problems.extend(exc.diagnostics or [Diagnostic(page.source, 1, str(exc))])
        if progress and i % 64 == 0:
            progress("render", i, total)

    sass_roots = [(r.path, r.display_prefix) for r in roots]
    include_paths = [r.path for r in roots]
    for out, sf in plan.styles.items():
        try:
            files[out] = compile_scss(sf.path, sf.display, [sf.path.parent, *include_paths], sass_roots)
        except SitegenError as exc:
            problems.extend(exc.diagnostics)
    for out, sf in plan.assets.items():
        files[out] = sf.path
    return RenderedSite(files, problems, len(plan.pages), len(plan.styles) + len(plan.assets))

