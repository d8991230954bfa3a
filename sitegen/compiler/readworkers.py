"""Layer 3, part of stage "load": a cold build's pages read in forked worker processes.

Reading a page (its file, its front matter's YAML) and finding the links in its body are a
sixth of a cold build's CPU, all of it before the render workers start: here that runs on every
core. The parent lists the files; each worker reads a slice of them and sends the pages back
(pickled: a tenth of what reading them costs), with the links of those the build publishes and
the front matter and link cache entries it used (compiler/usedentries.py). Pages, problems and
cache entries come back in the order of the files, so the load is the one a single process
makes. A worker that dies (killed, out of memory) fails the build naming its pages; it never
hangs it.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sitegen.errors import BuildError, Diagnostic, SitegenError
from sitegen.model import Page

from .readpages import PageOutcome, PageReader, read_serially, read_text
from .tree import SourceFile
from .usedentries import UsedEntries

PARALLEL_MIN_PAGES = 400  # below this, starting workers costs more than it saves
CHUNK = 100
Links = list[tuple[int, str]]
FindLinks = Callable[[str], Iterable[tuple[int, str]]]


@dataclass(frozen=True)
class _Work:
    """What forked workers inherit: the page files, read (or why not), how to read a page, and
    which pages' links to find."""

    reader: PageReader
    sources: Sequence[SourceFile]
    texts: Sequence[str | SitegenError]
    find_links: FindLinks
    publishes: Callable[[Page], bool]
    stores: Sequence[UsedEntries]


_forked: _Work | None = None

# A page as sent back: without its body when that ends its file (the parent holds the text),
# with the body's length instead; the links of a published page.
_Sent = tuple[PageOutcome, int | None, Links | None]
_ChunkResult = tuple[list[_Sent], list[dict[str, Any]]]


def _read_chunk(start: int) -> _ChunkResult:
    work = _forked
    assert work is not None
    sent = [_read_one(work, i) for i in range(start, min(start + CHUNK, len(work.sources)))]
    return sent, [store.drain() for store in work.stores]


def _read_one(work: _Work, i: int) -> _Sent:
    sf, text = work.sources[i], work.texts[i]
    if isinstance(text, SitegenError):
        return (sf.rel, None, list(text.diagnostics)), None, None
    rel, page, problems = work.reader(sf, text)
    if page is None:
        return (rel, None, problems), None, None
    links = list(work.find_links(page.body)) if work.publishes(page) else None
    if not text.endswith(page.body):  # a parse that changed the body: sent as it is
        return (rel, page, problems), None, links
    return (rel, dataclasses.replace(page, body=""), problems), len(page.body), links


def _text(sf: SourceFile) -> str | SitegenError:
    try:
        return read_text(sf)
    except SitegenError as exc:
        return exc


class WorkerReads:
    """`read_all` for compiler/readpages.py's `read_pages` that reads in `jobs` processes
    (None: one per CPU) when there are enough pages, and `find_links` for the link scan
    (compiler/textlinks.py) that answers from the links the workers found."""

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
        forkable = "fork" in mp.get_all_start_methods()
        if self.workers <= 1 or len(sources) < PARALLEL_MIN_PAGES or not forkable:
            return read_serially(reader, sources)
        return iter(self._in_workers(reader, sources))

    def find_links(self, body: str) -> Iterable[tuple[int, str]]:
        found = self._found.get(body)
        return found if found is not None else self._find(body)

    def _in_workers(self, reader: PageReader, sources: Sequence[SourceFile]) -> list[PageOutcome]:
        global _forked
        texts = [_text(sf) for sf in sources]  # here: the workers need not send bodies back
        work = _Work(reader, sources, texts, self._find, self._publishes, self._stores)
        out: list[PageOutcome] = []
        _forked = work
        try:
            with ProcessPoolExecutor(self.workers, mp.get_context("fork")) as pool:
                for sent, drained in pool.map(_read_chunk, range(0, len(sources), CHUNK)):
                    out.extend(self._keep(sent, texts[len(out) :], drained))
        except BrokenProcessPool:
            raise BuildError([_died(sources, len(out))]) from None
        finally:
            _forked = None
        return out

    def _keep(
        self, sent: list[_Sent], texts: Sequence[str | SitegenError], drained: list[dict[str, Any]]
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


def _died(sources: Sequence[SourceFile], done: int) -> Diagnostic:
    more = len(sources) - done - 1
    return Diagnostic(
        sources[done].display,
        None,
        f"a process reading this page and the {more} after it stopped unexpectedly "
        "(killed, or out of memory?): build again",
    )
