"""Layer 3, part of stage "load": a cold build's pages read and parsed on every core.

Parsing a page's front matter (YAML) and finding the links in its body are a sixth of a cold
build's CPU, all of it before the render workers start. The parent forks one process per other
CPU: each reads and parses a share of the page files and sends the pages back through a pipe,
pickled, with the links of those the build publishes, their render-cache keys
(compiler/cache.py: hashing every body in the parent was serial work before rendering) and the
front matter and link cache entries it used (compiler/usedentries.py); the parent reads and
parses the first share itself meanwhile. (The parent used to read every file before forking,
so that bodies need not cross a pipe: a serial read that cost more than sending them.) Shares
are taken back in the order of the files, so the pages, problems and cache entries are those
one process finds. A process that dies (killed, out of memory) fails the build naming the
pages it had; its pipe closes, so it never hangs the build.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sitegen import frontmatter, yamlsafe
from sitegen.errors import BuildError, Diagnostic, SitegenError
from sitegen.model import Page

from .readpages import PageOutcome, PageReader, read_serially, read_text
from .textlinks import links_in
from .tree import SourceFile
from .usedentries import UsedEntries

if TYPE_CHECKING:
    from .cache import PageKeys

PARALLEL_MIN_PAGES = 400  # below this, forking costs more than it saves
FEW_PAGES = 32  # below this, the front matter and links caches are not worth reading
Links = list[tuple[int, str]]
FindLinks = Callable[[str], Iterable[tuple[int, str]]]


@dataclass(frozen=True)
class _Work:
    """What forked processes inherit: the page files, how to parse a page, and which pages'
    links to find."""

    reader: PageReader
    sources: Sequence[SourceFile]
    find_links: FindLinks
    publishes: Callable[[Page], bool]
    stores: Sequence[UsedEntries]
    keys: PageKeys | None  # where published pages' render-cache keys go (None: not made here)


# A page as parsed, and the links and render-cache keys of a published page.
_Sent = tuple[PageOutcome, Links | None, list[str] | None]
_Share = tuple[list[_Sent], list[dict[str, Any]]]  # and the cache entries used


def _parse_share(work: _Work, share: range) -> _Share:
    sent = [_parse_one(work, i) for i in share]
    return sent, [store.drain() for store in work.stores]


def _parse_one(work: _Work, i: int) -> _Sent:
    sf = work.sources[i]
    try:
        text = read_text(sf)
    except SitegenError as exc:
        return (sf.rel, None, list(exc.diagnostics)), None, None
    rel, page, problems = work.reader(sf, text)
    if page is None or not work.publishes(page):
        return (rel, page, problems), None, None
    keys = work.keys.all(page) if work.keys is not None else None
    return (rel, page, problems), list(work.find_links(page.body)), keys


class WorkerReads:
    """`read_all` for compiler/readpages.py's `read_pages` that parses in `jobs` processes
    (None: one per CPU) when there are enough pages, and `find_links` for the link scan
    (compiler/textlinks.py) that answers from the links those processes found."""

    def __init__(
        self,
        jobs: int | None,
        find_links: FindLinks,
        publishes: Callable[[Page], bool],
        stores: Sequence[UsedEntries] = (),
        keys: PageKeys | None = None,
    ) -> None:
        self.workers = jobs if jobs is not None else (os.cpu_count() or 1)
        self._find, self._publishes, self._stores = find_links, publishes, stores
        self._keys = keys
        self._found: dict[str, Links] = {}  # page body -> its links

    def __call__(self, reader: PageReader, sources: Sequence[SourceFile]) -> Iterator[PageOutcome]:
        if self._stores and len(sources) < FEW_PAGES and not any(s.loaded for s in self._stores):
            # An edit (the rest taken over): parsing a few pages costs less than reading caches.
            reader = dataclasses.replace(reader, parse=frontmatter.parse)
            self._find = links_in
        if self.workers <= 1 or len(sources) < PARALLEL_MIN_PAGES or not hasattr(os, "fork"):
            return read_serially(reader, sources)
        return iter(self._in_workers(reader, sources))

    def find_links(self, body: str) -> Iterable[tuple[int, str]]:
        found = self._found.get(body)
        return found if found is not None else self._find(body)

    def _in_workers(self, reader: PageReader, sources: Sequence[SourceFile]) -> list[PageOutcome]:
        for store in self._stores:
            store.empty  # noqa: B018  read here once, not in each worker process
        work = _Work(reader, sources, self._find, self._publishes, self._stores, self._keys)
        size = -(-len(sources) // self.workers)
        shares = [range(i, min(i + size, len(sources))) for i in range(0, len(sources), size)]
        if any(_needs_yaml(sources[share.start]) for share in shares):
            # PyYAML imported once here, not in each process (40 ms of CPU each); not at all when
            # each process's first page is read without it: a site's pages are mostly alike.
            yamlsafe.preload()
        children = [_fork(work, share) for share in shares[1:]]
        try:
            out = list(self._keep(*_parse_share(work, shares[0])))
            for pid, fd, share in children:
                out.extend(self._keep(*_receive(pid, fd, sources, share)))
        finally:
            for pid, fd, _ in children:
                _reap(pid, fd)
        return out

    def _keep(self, sent: list[_Sent], drained: list[dict[str, Any]]) -> Iterator[PageOutcome]:
        for store, entries in zip(self._stores, drained, strict=True):
            store.merge(entries)
        for (rel, page, problems), links, keys in sent:
            if page is not None and links is not None:
                self._found[page.body] = links
            if page is not None and keys is not None and self._keys is not None:
                self._keys.known[page] = keys  # the parent's own share's are there already
            yield rel, page, problems


def _needs_yaml(sf: SourceFile) -> bool:
    try:
        return frontmatter.needs_yaml(read_text(sf))
    except SitegenError:  # reported when the page is read
        return False


def _fork(work: _Work, share: range) -> tuple[int, int, range]:
    """A process parsing `share` of the pages: (its pid, the pipe its result comes through)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, send, and leave without running the parent's clean-ups
        status = 1
        try:
            os.close(read_end)
            try:
                result: tuple[str, Any] = ("parsed", _parse_share(work, share))
            except Exception as exc:  # a bug: raised in the parent, as one process would
                result = ("raised", exc)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(result, pipe, pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end, share


def _receive(pid: int, fd: int, sources: Sequence[SourceFile], share: range) -> _Share:
    with os.fdopen(os.dup(fd), "rb") as pipe:
        data = pipe.read()  # to the end: the child finished, or died and its pipe closed
    try:
        kind, value = pickle.loads(data)
    except Exception:  # cut short: the child died
        raise BuildError([_died(sources, share)]) from None
    if kind == "raised":
        raise value
    assert isinstance(value, tuple)
    return value


def _reap(pid: int, fd: int) -> None:
    os.close(fd)
    os.waitpid(pid, 0)


def _died(sources: Sequence[SourceFile], share: range) -> Diagnostic:
    return Diagnostic(
        sources[share.start].display,
        None,
        f"the process parsing this page and the {len(share) - 1} after it stopped unexpectedly "
        "(killed, or out of memory?): build again",
    )
