"""Path quoting and href decoding: property tests for the round trip, and the refusals."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import SourceError
from sitegen.sources.url import RemoteLocation, parse_location
from sitegen.webdav import UnsafePathError, decode_href, quote_segments, split_path
from sitegen.webdav.paths import check_segment

ROOT = ("remote.php", "dav", "files", "alice", "Web site")

segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"),
    min_size=1,
    max_size=12,
).filter(lambda s: unicodedata.normalize("NFC", s) not in (".", ".."))
segments = st.lists(segment, min_size=0, max_size=5).map(tuple)


def href_for(segs: tuple[str, ...], *, lower: bool = False, folder: bool = False) -> str:
    path = "/" + quote_segments(ROOT + segs) + ("/" if folder else "")
    if lower:  # Nextcloud-style: lowercase escapes, `:` left bare
        out, i = [], 0
        while i < len(path):
            if path[i] == "%":
                out.append(path[i : i + 3].lower())
                i += 3
            else:
                out.append(path[i])
                i += 1
        path = "".join(out).replace("%3a", ":")
    return path


@given(segments, st.booleans(), st.booleans())
def test_quote_then_decode_round_trips(segs: tuple[str, ...], lower: bool, folder: bool) -> None:
    got, is_dir = decode_href(
        href_for(segs, lower=lower, folder=folder and bool(segs)),
        scheme="http",
        host="127.0.0.1",
        port=8080,
        root=ROOT,
    )
    assert got == segs
    assert is_dir == (folder and bool(segs))


@given(segments)
def test_absolute_url_same_origin_round_trips(segs: tuple[str, ...]) -> None:
    href = "HTTP://127.0.0.1:8080" + href_for(segs)
    assert decode_href(href, scheme="http", host="127.0.0.1", port=8080, root=ROOT)[0] == segs


@given(segments)
def test_split_path_round_trips(segs: tuple[str, ...]) -> None:
    assert split_path("/".join(segs)) == segs


@given(segment)
def test_a_quoted_segment_has_no_structure(name: str) -> None:
    quoted = quote_segments((name,))
    assert not any(c in quoted for c in "/?#\\")


@pytest.mark.parametrize("bad", [".", "..", "", "a/b", "a\\b", "a\x00b"])
def test_bad_segments_are_refused(bad: str) -> None:
    with pytest.raises(UnsafePathError):
        check_segment(bad)


@pytest.mark.parametrize("path", ["a//b", "../x", "a/./b", "a\\..\\b", "//"])
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(UnsafePathError):
        split_path(path)


def test_root_compared_in_nfc() -> None:
    root = ("Caf" + unicodedata.normalize("NFD", "é"),)
    href = "/" + quote(unicodedata.normalize("NFC", "Café")) + "/x.md"
    assert decode_href(href, scheme="https", host="h", port=None, root=root)[0] == ("x.md",)


@pytest.mark.parametrize(
    "spec,root_url",
    [
        (
            "nextcloud://alice@cloud.example.com/Website",
            "https://cloud.example.com/remote.php/dav/files/alice/Website/",
        ),
        (
            "nextcloud+http://alice@127.0.0.1:8080/My%20Site/sub",
            "http://127.0.0.1:8080/remote.php/dav/files/alice/My%20Site/sub/",
        ),
        ("webdav+https://bob@dav.example.org/some/path/", "https://dav.example.org/some/path/"),
        ("webdav+http://127.0.0.1:9000/x%23y", "http://127.0.0.1:9000/x%23y/"),
    ],
)
def test_url_forms(spec: str, root_url: str) -> None:
    location = parse_location(spec)
    assert isinstance(location, RemoteLocation)
    assert location.root_url == root_url


def test_user_option_fills_in_and_must_agree() -> None:
    location = parse_location("nextcloud://cloud.example.com/Website", user="carol")
    assert isinstance(location, RemoteLocation) and location.user == "carol"
    with pytest.raises(SourceError, match="--user says"):
        parse_location("nextcloud://alice@cloud.example.com/W", user="carol")


@pytest.mark.parametrize(
    "spec,message",
    [
        ("nextcloud://alice:hunter2-secret@host/W", "do not put a password"),
        ("ftp://host/x", "unknown source scheme"),
        ("webdav+https://host/a/..%2F../b", "refusing"),
        ("webdav+https://host/a/../b", "refusing"),
        ("webdav+https://host/a?x=1", "no \\?query"),
    ],
)
def test_bad_urls(spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as info:
        parse_location(spec)
    assert "hunter2" not in str(info.value)
