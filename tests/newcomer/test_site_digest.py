"""The digest that decides whether Netlify's build hook fires: equal exactly when the files the
build reads are equal (paths and bytes), whatever their times or the debris beside them."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.publish.netlify import site_state

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)
names = st.sampled_from(["a.txt", "b.txt", "img/c.bin", "css/d.css", "e/f/g.txt"])
trees = st.dictionaries(names, st.binary(max_size=40), max_size=5)


def digest(files: dict[str, bytes], debris: bool = False, mtime: int | None = None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sitegen.toml").write_text('title = "T"\n')
        for rel, data in {**files, **({".~lock.a.txt#": b"x"} if debris else {})}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
            if mtime is not None:
                os.utime(root / rel, (mtime, mtime))
        return site_state(root, NOW).digest


@settings(max_examples=40, deadline=None)
@given(trees, trees)
def test_equal_digest_exactly_when_equal_files(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert (digest(a) == digest(b)) == (a == b)


@settings(max_examples=20, deadline=None)
@given(trees, st.integers(0, 2**31))
def test_times_and_debris_do_not_count(a: dict[str, bytes], mtime: int) -> None:
    assert digest(a) == digest(a, debris=True, mtime=mtime)
