"""Layer 3, part of stage "load": a cold build's pages parsed on every core.

Parsing a page's front matter (YAML) and finding the links in its body are a sixth of a cold
build's CPU, all of it before the render workers start. The parent reads the page files (a
tenth of that cost), then forks one process per other CPU: each parses a share of the pages
and sends them back through a pipe, pickled without their bodies (the parent holds the text),
with the links of those the build publishes and the front matter and link cache entries it
used (compiler/usedentries.py); the parent parses the first share itself meanwhile. Shares are
taken back in the order of the files, so the pages, problems and cache entries are those one
process finds. A process that dies (killed, out of memory) fails the build naming the pages it
had; its pipe closes, so it never hangs the build.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen import frontmatter, yamlsafe
from sitegen.errors import BuildError, Diagnostic, SitegenError
from sitegen.model import Page

from .readpages import PageOutcome, PageReader, read_serially, read_text
from .textlinks import links_in
from .tree import SourceFile
from .usedentries import UsedEntries

PARALLEL_MIN_PAGES = 400  # below this, forking costs more than it saves
FEW_PAGES = 32  # below this, the front matter and links caches are not worth reading
Links = list[tuple[int, str]]
FindLinks = Callable[[str], Iterable[tuple[int, str]]]


@dataclass(frozen=True)
class _Work:
    """What forked processes inherit: the page files, read (or why not), how to parse a page,
    and which pages' links to find."""

    reader: PageReader
    sources: Sequence[SourceFile]
    texts: Sequence[str | SitegenError]
    find_links: FindLinks
    publishes: Callable[[Page], bool]
    stores: Sequence[UsedEntries]


# A page as parsed: without its body when that ends its file and it crosses a pipe (the body's
# length instead); the links of a published page.
_Sent = tuple[PageOutcome, int | None, Links | None]
_Share = tuple[list[_Sent], list[dict[str, Any]]]  # and the cache entries used


def _parse_share(work: _Work, share: range, strip: bool) -> _Share:
    sent = [_parse_one(work, i, strip) for i in share]
    return sent, [store.drain() for store in work.stores]


def _parse_one(work: _Work, i: int, strip: bool) -> _Sent:
    sf, text = work.sources[i], work.texts[i]
    if isinstance(text, SitegenError):
        return (sf.rel, None, list(text.diagnostics)), None, None
    rel, page, problems = work.reader(sf, text)
    if page is None:
        return (rel, None, problems), None, None
    links = list(work.find_links(page.body)) if work.publishes(page) else None
    if not strip or not text.endswith(page.body):  # a parse that changed the body: sent whole
        return (rel, page, problems), None, links
    return (rel, dataclasses.replace(page, body=""), problems), len(page.body), links


def _text(sf: SourceFile) -> str | SitegenError:
    try:
        return read_text(sf)
    except SitegenError as exc:
        return exc


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
    ) -> None:
        self.workers = jobs if jobs is not None else (os.cpu_count() or 1)
        self._find, self._publishes, self._stores = find_links, publishes, stores
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
        texts = [_text(sf) for sf in sources]  # here: the bodies need not cross a pipe
        for store in self._stores:
            store.empty  # noqa: B018  read here once, not in each worker process
        yamlsafe.preload()  # imported once here, not in each process (40 ms of CPU each)
        work = _Work(reader, sources, texts, self._find, self._publishes, self._stores)
        size = -(-len(sources) // self.workers)
        shares = [range(i, min(i + size, len(sources))) for i in range(0, len(sources), size)]
        children = [_fork(work, share) for share in shares[1:]]
        try:
            out = list(self._keep(*_parse_share(work, shares[0], strip=False), texts))
            for pid, fd, share in children:
                out.extend(self._keep(*_receive(pid, fd, sources, share), texts[share.start :]))
        finally:
            for pid, fd, _ in children:
                _reap(pid, fd)
        return out

    def _keep(
        self, sent: list[_Sent], drained: list[dict[str, Any]], texts: Sequence[str | SitegenError]
    ) -> Iterator[PageOutcome]:
        for store, entries in zip(self._stores, drained, strict=True):
            store.merge(entries)
        for ((rel, page, problems), body_length, links), text in zip(sent, texts, strict=False):
            if page is not None and body_length is not None:
                assert isinstance(text, str)
                page = dataclasses.replace(page, body=text[len(text) - body_length :])
            if page is not None and links is not None:
                self._found[page.body] = links
            yield rel, page, problems


def _fork(work: _Work, share: range) -> tuple[int, int, range]:
    """A process parsing `share` of the pages: (its pid, the pipe its result comes through)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, send, and leave without running the parent's clean-ups
        status = 1
        try:
            os.close(read_end)
            try:
                result: tuple[str, Any] = ("parsed", _parse_share(work, share, strip=True))
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
