"""PROPFIND: the request body we send and the parsing of the 207 multistatus we get back."""

from __future__ import annotations

import email.utils
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from sitegen.webdav.errors import ProtocolError
from sitegen.webdav.paths import Segments, join_path, nfc

DAV = "DAV:"
OC = "http://owncloud.org/ns"
NC = "http://nextcloud.org/ns"

# Entity expansion needs a DTD; a multistatus never has one.
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

PROPFIND_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    b"<d:prop><d:resourcetype/><d:getetag/><d:getcontentlength/><d:getlastmodified/>"
    b"<oc:fileid/><oc:checksums/><oc:permissions/></d:prop></d:propfind>"
)


@dataclass(frozen=True)
class Resource:
    """One entry of a listing. `segments` are relative to the client's root, spelled as the
    server spells them (use them to address the resource); `key` is the NFC path for comparing
    and for local names."""

    segments: Segments
    is_dir: bool
    etag: str | None = None
    size: int | None = None
    mtime: float | None = None
    fileid: str | None = None
    checksums: tuple[str, ...] = field(default=())
    permissions: str | None = None

    @property
    def path(self) -> str:
        return join_path(self.segments)

    @property
    def key(self) -> str:
        return nfc(self.path)

    @property
    def name(self) -> str:
        return self.segments[-1] if self.segments else ""


def normalize_etag(value: str | None) -> str | None:
    """ETags compare by their opaque value: drop a weak marker and the quotes servers disagree on
    (wsgidav lists them bare, sends them quoted in headers)."""
    if value is None:
        return None
    v = value.strip()
    if v.startswith("W/"):
        v = v[2:]
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1]
    return v or None


def _text(prop: ET.Element, tag: str) -> str | None:
    el = prop.find(tag)
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _parse_mtime(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _ok(status_text: str | None) -> bool:
    parts = (status_text or "").split()
    return len(parts) >= 2 and parts[1] == "200"


@dataclass(frozen=True)
class RawEntry:
    href: str
    is_dir: bool
    etag: str | None
    size: int | None
    mtime: float | None
    fileid: str | None
    checksums: tuple[str, ...]
    permissions: str | None


def parse_multistatus(body: bytes, *, path: str) -> list[RawEntry]:
    """Entries of a multistatus, with properties taken only from 200 propstats. A response that
    reports an error for a whole resource is refused: dropping it would look like a deletion."""
    if _DTD.search(body):
        raise ProtocolError("refusing a multistatus with a DTD", path=path)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise ProtocolError(f"unreadable multistatus for {path!r}: {e}", path=path) from None
    if root.tag != f"{{{DAV}}}multistatus":
        raise ProtocolError(f"expected a multistatus for {path!r}, got {root.tag}", path=path)
    entries = []
    for resp in root.findall(f"{{{DAV}}}response"):
        href = _text(resp, f"{{{DAV}}}href")
        if href is None:
            raise ProtocolError(f"a multistatus response without href for {path!r}", path=path)
        whole = _text(resp, f"{{{DAV}}}status")
        if whole is not None and not _ok(whole):
            raise ProtocolError(f"the server could not list {href!r}: {whole}", path=path)
        props: dict[str, ET.Element] = {}
        for propstat in resp.findall(f"{{{DAV}}}propstat"):
            if not _ok(_text(propstat, f"{{{DAV}}}status")):
                continue
            prop = propstat.find(f"{{{DAV}}}prop")
            if prop is not None:
                for child in prop:
                    props[child.tag] = child
        holder = ET.Element("p")
        holder.extend(props.values())
        rtype = props.get(f"{{{DAV}}}resourcetype")
        is_dir = rtype is not None and rtype.find(f"{{{DAV}}}collection") is not None
        size_text = _text(holder, f"{{{DAV}}}getcontentlength")
        try:
            size = int(size_text) if size_text is not None else None
        except ValueError:
            raise ProtocolError(f"bad getcontentlength {size_text!r} for {href!r}") from None
        if size is not None and size < 0:
            raise ProtocolError(f"negative getcontentlength for {href!r}")
        checksums_el = props.get(f"{{{OC}}}checksums")
        checksums: tuple[str, ...] = ()
        if checksums_el is not None:
            texts = [c.text or "" for c in checksums_el.iter(f"{{{OC}}}checksum")]
            checksums = tuple(t for text in texts for t in text.split() if t)
        entries.append(
            RawEntry(
                href=href,
                is_dir=is_dir,
                etag=normalize_etag(_text(holder, f"{{{DAV}}}getetag")),
                size=None if is_dir else size,
                mtime=_parse_mtime(_text(holder, f"{{{DAV}}}getlastmodified")),
                fileid=_text(holder, f"{{{OC}}}fileid"),
                checksums=checksums,
                permissions=_text(holder, f"{{{OC}}}permissions"),
            )
        )
    return entries
