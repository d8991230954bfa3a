"""Layer 3, stage "look": where templates come from, the compiled stylesheets, and the
fingerprinted names of files. Stylesheets compile before pages render: the templates' `asset()`
must know the fingerprinted names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import Diagnostic, SitegenError
from sitegen.render.templates import TemplateRoot

from . import fingerprint
from .site import Site
from .stylecache import STYLE_SUFFIXES, StyleCache
from .tree import SourceFile, bundled_themes_dir


@dataclass(frozen=True)
class Look:
    roots: tuple[TemplateRoot, ...]  # the site's folder, then its themes
    css: Mapping[str, str]  # output .css path -> CSS as written (url()s fingerprinted)
    prints: fingerprint.Fingerprints
    problems: tuple[Diagnostic, ...]
    # The compiled stylesheets, for the next build of the same output (`keep`).
    styles: Mapping[str, str] = field(default_factory=dict)
    cache: StyleCache = field(default_factory=lambda: StyleCache(None, ()))

    def keep(self) -> None:
        """Keep the compiled stylesheets for the next build: after this one succeeded, since a
        failed build leaves everything as it was."""
        self.cache.save(self.styles)

    def files(self, assets: Mapping[str, Path]) -> dict[str, str | bytes | Path]:
        """The stylesheets and fingerprinted copies this look writes."""
        out: dict[str, str | bytes | Path] = dict(self.css)
        out.update(fingerprint.hashed_copies(self.prints, assets))
        return out


def template_roots(site: Site) -> tuple[TemplateRoot, ...]:
    shipped = bundled_themes_dir().resolve()
    themes = [
        TemplateRoot(folder, f"themes/{name}/", trusted=folder.resolve().is_relative_to(shipped))
        for name, folder in site.loaded.themes
    ]
    return (TemplateRoot(site.loaded.site_dir, ""), *themes)


def look(site: Site, out_dir: Path | None = None, kept: bool = True) -> Look:
    """Stage "look" of an assembled site; `out_dir`: the output whose stylesheets are kept for
    the next build (compiler/stylecache.py); `kept`: whether this build may use those kept."""
    roots = template_roots(site)
    problems: list[Diagnostic] = []
    names = [sf.display for rel, sf in site.loaded.files.items() if rel.endswith(STYLE_SUFFIXES)]
    cache = StyleCache.beside(out_dir, names, kept)
    styles = compile_styles(site.plan.styles, roots, problems, cache)
    prints = fingerprint.Fingerprints()
    if site.loaded.config.fingerprint:
        prints = fingerprint.fingerprint(asset_paths(site), styles, site.loaded.config)
    css = {out: prints.css.get(out, text) for out, text in styles.items()}
    return Look(roots, css, prints, tuple(problems), styles, cache)


def asset_paths(site: Site) -> dict[str, Path]:
    return {out: sf.path for out, sf in site.plan.assets.items()}


def compile_styles(
    sources: Mapping[str, SourceFile],
    roots: tuple[TemplateRoot, ...],
    problems: list[Diagnostic],
    cache: StyleCache | None = None,
) -> dict[str, str]:
    """Output .css path -> CSS for each Sass source; errors go to `problems`."""
    sass_roots = [(r.path, r.display_prefix) for r in roots]
    # Sass looks beside the file, then in each root and its `_sass/` folder (Jekyll's convention).
    include_paths = [p for r in roots for p in (r.path, r.path / "_sass")]
    cache = cache or StyleCache(None, ())
    styles: dict[str, str] = {}
    for out, sf in sources.items():
        search = [sf.path.parent, *include_paths]

        def compile_(imported: list[str], sf: SourceFile = sf, search: list[Path] = search) -> str:
            from sitegen.render.sass import compile_scss  # libsass: loaded only to compile

            return compile_scss(sf.path, sf.display, search, sass_roots, imported)

        try:
            styles[out] = cache.css(out, sf.path, search, compile_)
        except SitegenError as exc:
            problems.extend(exc.diagnostics)
    return styles
