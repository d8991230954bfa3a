"""Layer 3: the loaded model of the last `sitegen build` of an output, kept beside it
(`.sitegen/NAME.model.pickle`), so that a build in a new process reads, parses and link-scans
only the pages whose files changed, as the preview does with the model it holds in memory.

It holds every page value the last load made (without its body), the signature of its file
(size, times, inode: compiler/readpages.py takes a page over only when its file looks as it did
and nothing it was read with changed), what its links reach, and its render-cache keys
(compiler/cache.py's PageKeys). A page taken over reads its body from its file again only when
something asks for it (a one-page edit renders that page and few others: the other bodies are
never read); its text is as it was (same signature, and the same length is checked). Reading a
file is cheap, parsing its front matter and scanning its links are not, and bodies would make
the file as large as the site.

It is a pickle, so it must not be a way to run code: the output's folder may be inside a shared
folder others write to. The file carries a MAC under a key that lives outside the site
(compiler/cachekey.py) and is unpickled only when the MAC checks; one that does not, or was made
by another sitegen, code or site, is ignored and the build reads everything.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from sitegen import __version__, frontmatter
from sitegen.errors import Diagnostic, SitegenError
from sitegen.model import Page

from .cache import PageKeys
from .cachekey import MAC_BYTES, authentic, mac, secret_key
from .load import LoadedSite
from .readpages import PagesRead
from .stamp import own_code
from .textlinks import Scanned
from .tree import SourceFile

FORMAT = 1
MAGIC = b"sitegen-model-1\n"
_FIELDS = tuple(f.name for f in dataclasses.fields(Page) if f.name != "body")
Found = tuple[frozenset[str], tuple[Diagnostic, ...]]  # what a page's links reach (textlinks.py)


def model_file(out_dir: Path) -> Path:
    return out_dir.parent / ".sitegen" / f"{out_dir.name}.model.pickle"


def code_key() -> str:
    """sitegen's version and the files of its code as they are (a checkout's code changes
    without its version): pickled pages are only as good as the code that made them."""
    parts = [__version__, sys.version]
    for name, path in own_code():  # the modules the no-change check keys on too
        st = os.stat(path)
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


class StoredPages(Mapping[str, Page]):
    """The last build's pages by source, made (their bodies read from their files) when asked
    for; a page whose file cannot give its body back as it was is missing (read anew)."""

    def __init__(
        self,
        blobs: Mapping[str, bytes],
        sizes: Mapping[str, tuple[int, ...]],
        files: Mapping[str, SourceFile],
        keys: PageKeys,
    ) -> None:
        self.blobs, self._sizes, self._files, self._keys = blobs, sizes, files, keys
        self.made: dict[str, Page] = {}

    def __getitem__(self, rel: str) -> Page:
        page = self.made.get(rel)
        if page is None:
            page = self.made[rel] = self._make(rel)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self.blobs)

    def __len__(self) -> int:
        return len(self.blobs)

    def _make(self, rel: str) -> Page:
        sf, signature = self._files.get(rel), self._sizes.get(rel)
        if sf is None or not signature:
            raise KeyError(rel)
        try:
            fields, body_length, keys = pickle.loads(self.blobs[rel])  # authenticated with the file
        except Exception:  # this user's sitegen made it, yet it does not load: read the page anew
            raise KeyError(rel) from None
        page = StoredPage.__new__(StoredPage)  # the value pickled: no field is computed again
        page.__dict__.update(fields)
        page.__dict__[_BODY_FROM] = (sf, signature[0], body_length)
        self._keys.known[page] = list(keys)
        return page


_BODY_FROM = "_body_from"  # where a StoredPage's body is: its file, the file's size, its length


class StoredPage(Page):
    """A page taken over from the model file, whose body is read from its file when first asked
    for (then kept, as any page's). Its file had the signature the model recorded when the build
    took it over; one that has changed since (its size, or its body's length, differs) fails the
    build, which the next build reads anew, rather than pairing old front matter with a new body."""

    @cached_property
    def body(self) -> str:  # Page's field, here read when first asked for
        sf, size, length = self.__dict__[_BODY_FROM]
        display, body = sf.display, None
        try:
            data = _read(sf.os_path, size)
            if len(data) == size:
                body = frontmatter.split(data.decode("utf-8"), display)[1]
        except (OSError, ValueError, SitegenError):
            body = None
        if body is None or len(body) != length:
            raise SitegenError.at(display, None, "changed while the build ran: build again")
        return body


def _read(path: str, size: int) -> bytes:
    """The file's bytes, up to one past `size` (the size it should have)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, size + 1)  # not pathlib's read_bytes: half the time, on many files
    finally:
        os.close(fd)


class StoredLinks(Mapping[Page, Found]):
    """What the links of the last build's pages reached, for the pages taken over."""

    def __init__(self, pages: StoredPages, found: Mapping[str, Found]) -> None:
        self._pages, self._found = pages, found

    def __getitem__(self, page: Page) -> Found:
        if self._pages.made.get(page.source) is not page:
            raise KeyError(page.source)
        return self._found[page.source]

    def __iter__(self) -> Iterator[Page]:
        return (p for rel, p in self._pages.made.items() if rel in self._found)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class ModelCache:
    """The model file of one output: `earlier` gives the load stage the last build's model,
    `encoded` is this build's, to keep."""

    def __init__(self, out_dir: Path, site_dir: Path, read: bool = True) -> None:
        self.file = model_file(out_dir)
        self.site = str(site_dir)
        self.keys = PageKeys()
        self._key = secret_key()
        self._code = code_key()
        self._stored: dict[str, Any] | None = self._read() if self._key and read else None
        self._pages: StoredPages | None = None

    def _read(self) -> dict[str, Any] | None:
        assert self._key is not None
        try:
            data = self.file.read_bytes()
        except OSError:
            return None
        head, given = data[: len(MAGIC)], data[len(MAGIC) : len(MAGIC) + MAC_BYTES]
        payload = data[len(MAGIC) + MAC_BYTES :]
        if head != MAGIC or not authentic(self._key, payload, given):
            return None  # not made by this user's sitegen: never unpickled
        try:
            stored = pickle.loads(payload)
        except Exception:  # made by this user's sitegen, yet unreadable: ignored
            return None
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            return None
        if stored.get("code") != self._code or stored.get("site") != self.site:
            return None
        return stored

    def earlier(self, discovered: LoadedSite) -> LoadedSite | None:
        """`discovered` with the last build's pages and links, as read_site's `earlier`."""
        stored = self._stored
        if stored is None:
            return None
        signatures = stored["signatures"]
        self._pages = StoredPages(stored["pages"], signatures, discovered.files, self.keys)
        read = PagesRead(
            self._pages,
            signatures,
            stored["started_ns"],
            stored["folder_data"],
            stored["context"],
        )
        links = Scanned(stored["targets_key"], StoredLinks(self._pages, stored["links"]))
        return dataclasses.replace(discovered, read=read, links=links)

    @property
    def took_over(self) -> bool:
        """Whether the load took any page over from the last build's model."""
        return self._pages is not None and bool(self._pages.made)

    def encoded(self, loaded: LoadedSite) -> bytes | None:
        """This build's model for the next, as `self.file` keeps it (compiler/keptfile.py);
        None: nothing to keep."""
        if self._key is None:
            return None
        read, taken = loaded.read, self._pages
        blobs: dict[str, bytes] = {}
        for rel, page in read.pages.items():
            if taken is not None and taken.made.get(rel) is page:
                blobs[rel] = taken.blobs[rel]
                continue
            fields = {name: page.__dict__[name] for name in _FIELDS}
            entry = (fields, len(page.body), self.keys.all(page))
            blobs[rel] = pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
        stored = {
            "format": FORMAT,
            "code": self._code,
            "site": self.site,
            "started_ns": read.started_ns,
            "folder_data": read.folder_data,
            "context": read.context,
            "signatures": read.signatures,
            "pages": blobs,
            "targets_key": loaded.links.targets_key,
            "links": {page.source: found for page, found in loaded.links.pages.items()},
        }
        try:
            payload = pickle.dumps(stored, pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None  # a page value that cannot be pickled: the next build reads every page
        return MAGIC + mac(self._key, payload) + payload
