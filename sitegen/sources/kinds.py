"""The source kinds, chosen by URL scheme from one registry.

A `Source` is anything that can bring a local folder up to date for the build to read. Adding a
source kind (S3, SFTP, a Git checkout) is one module with a class that has the `Source`
attributes and methods, and one `SourceKind` line in `SOURCE_KINDS` naming its URL schemes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sitegen.errors import SourceError
from sitegen.sources.limits import SyncLimits
from sitegen.sources.result import SyncResult


class Source(Protocol):
    label: str  # for messages, never containing a password
    local_dir: Path  # the folder the build reads (the local folder itself, or the mirror)
    remote: bool  # synced from elsewhere (the preview polls it), not read in place
    offline: bool  # build from what was synced before; never ask the remote side

    def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Bring local_dir up to date. `progress(done, total)` counts files to download."""
        ...

    def fingerprint(self) -> str | None:
        """A cheap change check: the root ETag (one request), or None for a local folder."""
        ...

    def close(self) -> None:
        """Let go of any connection kept open between calls."""
        ...


@dataclass(frozen=True)
class SourceOptions:
    """What the operator said about reading a source (`--user`, `--cache`, `--jobs` ...)."""

    user: str | None = None
    cache_dir: Path | None = None
    jobs: int = 8
    offline: bool = False
    limits: SyncLimits | None = None


@dataclass(frozen=True)
class SourceKind:
    """One kind of source: the URL schemes it takes (none: a folder path) and how it opens."""

    name: str
    schemes: tuple[str, ...]
    open: Callable[[str, SourceOptions], Source]
    remote: bool = True


def _open_folder(spec: str, o: SourceOptions) -> Source:
    from sitegen.sources.local import LocalSource

    if o.user:
        raise SourceError(f"--user makes no sense for the local folder {spec}")
    return LocalSource(Path(spec).expanduser())


def _open_dav(spec: str, o: SourceOptions) -> Source:
    from sitegen.sources.remote import RemoteSource
    from sitegen.sources.url import RemoteLocation, parse_location

    location = parse_location(spec, user=o.user)
    assert isinstance(location, RemoteLocation)
    return RemoteSource(
        location, cache_dir=o.cache_dir, jobs=o.jobs, offline=o.offline, limits=o.limits
    )


# A spec without `://` is a folder path; otherwise its scheme picks the kind.
SOURCE_KINDS: tuple[SourceKind, ...] = (
    SourceKind("folder", (), _open_folder, remote=False),
    SourceKind("nextcloud", ("nextcloud", "nextcloud+https", "nextcloud+http"), _open_dav),
    SourceKind("webdav", ("webdav+https", "webdav+http"), _open_dav),
)


def scheme_of(spec: str) -> str | None:
    """`nextcloud` for `nextcloud://…`; None for a folder path."""
    return spec.split("://", 1)[0].lower() if "://" in spec else None


def source_kind(spec: str) -> SourceKind:
    scheme = scheme_of(spec)
    for kind in SOURCE_KINDS:
        if scheme in kind.schemes or (scheme is None and not kind.schemes):
            return kind
    known = ", ".join(f"{s}://" for k in SOURCE_KINDS for s in k.schemes)
    raise SourceError(f"unknown source scheme {scheme}:// (use a folder path or {known})")


def open_source(
    spec: str,
    *,
    user: str | None = None,
    cache_dir: Path | None = None,
    jobs: int = 8,
    offline: bool = False,
    limits: SyncLimits | None = None,
) -> Source:
    """A source from a folder path or a URL of one of the SOURCE_KINDS."""
    options = SourceOptions(user, cache_dir, jobs, offline, limits)
    return source_kind(spec).open(spec, options)
