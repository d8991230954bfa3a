"""Layer 3: the files of a site overlaid on its theme's, path by path."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import sitegen
from sitegen.config import key_line
from sitegen.datafiles import parse_data
from sitegen.errors import ConfigError, Diagnostic
from sitegen.model import IGNORED_NAMES, IGNORED_SUFFIXES, is_ignored, is_within

THEME_LAYOUT = "_layout.html"
THEME_SETTINGS = "theme.toml"


class SourceFile:
    """One file the build may read: a value (compared and hashed by its four parts)."""

    __slots__ = ("_folder", "_path", "_root", "display", "from_theme", "rel")

    def __init__(self, rel: str, path: Path, display: str, from_theme: bool) -> None:
        self.rel = rel  # site-relative POSIX path
        self.display = display  # how messages name it: rel for site files, themes/NAME/rel
        self.from_theme = from_theme
        self._folder: Path | None = None
        self._root: str | None = None
        self._path: Path | None = path

    @classmethod
    def below(cls, folder: Path, root: str, rel: str, display: str, from_theme: bool) -> SourceFile:
        """`folder / rel` (`root`: the folder as text, ending with a separator), its Path made
        only when asked for: a rebuild takes most pages over, or only stats them, without a
        Path object (4000 were 5 % of a one-page edit's rebuild)."""
        sf = cls.__new__(cls)
        sf.rel, sf.display, sf.from_theme = rel, display, from_theme
        sf._folder, sf._root, sf._path = folder, root, None
        return sf

    @property
    def os_path(self) -> str:
        """`path` as text for the os module, made without a Path object where it can be."""
        if self._path is None and self._root is not None:
            return self._root + self.rel
        return str(self.path)

    @property
    def path(self) -> Path:
        """Where it is on disk (the site, or the theme)."""
        if self._path is None:
            assert self._folder is not None
            self._path = self._folder / self.rel
        return self._path

    def _parts(self) -> tuple[str, Path, str, bool]:
        return (self.rel, self.path, self.display, self.from_theme)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceFile) and self._parts() == other._parts()

    def __hash__(self) -> int:
        return hash(self._parts())

    def __repr__(self) -> str:
        return f"SourceFile({self.rel!r}, {self.path!r}, {self.display!r}, {self.from_theme!r})"

    def __reduce__(self) -> tuple[type[SourceFile], tuple[str, Path, str, bool]]:
        return (SourceFile, self._parts())


def walk(root: Path, skip: Iterable[Path] = ()) -> list[str]:
    """Every file below root as a sorted list of POSIX paths, hidden and debris files left out.

    A symbolic link is followed only to a file inside root: a shared folder must not be able to
    pull the build machine's own files into the published site."""
    skip_real = {os.path.realpath(p) for p in skip}
    out: list[str] = []

    def visit(folder: str, real: str, prefix: str) -> None:
        with os.scandir(folder) as it:
            for entry in it:
                name = entry.name
                # the folders above were checked on the way down; is_ignored only for a name
                # that may be (hidden, or debris), since this runs for every file of the site
                maybe = name[0] == "." or name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES)
                if maybe and is_ignored(name):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    # no link (those are not followed): its real path is its folder's and name
                    inner = os.path.join(real, name)
                    if inner not in skip_real:
                        visit(entry.path, inner, prefix + name + "/")
                elif entry.is_file() and (not entry.is_symlink() or is_within(entry.path, root)):
                    out.append(prefix + name)

    visit(str(root), os.path.realpath(root), "")
    out.sort()
    return out


def bundled_themes_dir() -> Path:
    """Themes ship inside the package (sitegen/themes); in a source checkout they sit beside it."""
    packaged = Path(sitegen.__file__).parent / "themes"
    return packaged if packaged.is_dir() else Path(sitegen.__file__).parent.parent / "themes"


def find_theme(name: str, site_dir: Path, config_text: str = "") -> Path:
    for candidate in (site_dir / "themes" / name, bundled_themes_dir() / name):
        if (candidate / THEME_LAYOUT).is_file() or candidate.is_dir():
            return candidate
    d = Diagnostic(
        "sitegen.toml", key_line(config_text, "theme"), f"theme: no theme named {name!r}"
    )
    raise ConfigError(str(d), [d])


def theme_applies(explicit_theme: bool, site_files: Iterable[str]) -> bool:
    """A theme named in sitegen.toml always applies; the default one only to a layout-less site."""
    return explicit_theme or THEME_LAYOUT not in set(site_files)


def theme_chain(name: str, site_dir: Path, config_text: str = "") -> list[tuple[str, Path]]:
    """The theme and the themes it extends (`extends = "default"` in its theme.toml), nearest
    first, so a theme needs to hold only what it does differently."""
    chain: list[tuple[str, Path]] = []
    while name and name not in {n for n, _ in chain}:
        folder = find_theme(name, site_dir, config_text)
        chain.append((name, folder))
        name = _extends(folder / THEME_SETTINGS, f"themes/{name}/{THEME_SETTINGS}")
    return chain


def _extends(settings: Path, display: str) -> str:
    if not settings.is_file():
        return ""
    try:
        text = settings.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError.at(display, 1, "not valid UTF-8") from None
    value = parse_data(text, display)
    extends = value.get("extends", "") if isinstance(value, dict) else ""
    return extends if isinstance(extends, str) else ""


def overlay(site_dir: Path, site_files: list[str], themes: list[tuple[str, Path]]) -> Overlay:
    """rel -> SourceFile: the site's own file wins over its theme's at the same path, and a
    theme's over the theme it extends."""
    layers = [(folder, f"themes/{name}/", True) for name, folder in reversed(themes)]
    owner: dict[str, int] = {}
    for n, (folder, _, _) in enumerate(layers):
        owner.update(dict.fromkeys(walk(folder), n))
    layers.append((site_dir, "", False))
    owner.update(dict.fromkeys(site_files, len(layers) - 1))
    return Overlay(layers, dict(sorted(owner.items())))


class Overlay(Mapping[str, SourceFile]):
    """The overlaid files (rel -> SourceFile), each made when first asked for: a no-change
    build needs only their paths as text (`disk_paths`), and thousands of Path objects would
    cost it a good part of its time."""

    def __init__(self, layers: list[tuple[Path, str, bool]], owner: dict[str, int]) -> None:
        self._layers = layers  # (folder, display prefix, from_theme), the site's last
        self._owner = owner  # rel -> the layer it comes from, sorted by rel
        self._made: dict[str, SourceFile] = {}
        self._roots = [str(folder) + os.sep for folder, _, _ in layers]

    def __getitem__(self, rel: str) -> SourceFile:
        sf = self._made.get(rel)
        if sf is None:
            n = self._owner[rel]
            folder, prefix, from_theme = self._layers[n]
            sf = SourceFile.below(folder, self._roots[n], rel, prefix + rel, from_theme)
            self._made[rel] = sf
        return sf

    def __contains__(self, rel: object) -> bool:
        return rel in self._owner

    def __iter__(self) -> Iterator[str]:
        return iter(self._owner)

    def __len__(self) -> int:
        return len(self._owner)

    def disk_paths(self) -> list[tuple[str, str]]:
        """(display, path) of every file, as SourceFile would give them."""
        prefixes = [prefix for _, prefix, _ in self._layers]
        out = []
        for rel, n in self._owner.items():
            out.append((prefixes[n] + rel, self._roots[n] + rel))
        return out


def disk_paths(files: Mapping[str, SourceFile]) -> list[tuple[str, str]]:
    """(display, path) of each of these files."""
    if isinstance(files, Overlay):
        return files.disk_paths()
    return [(sf.display, str(sf.path)) for sf in files.values()]
