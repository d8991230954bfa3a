"""The front matter cache: a build parses only the front matter that changed, and a cached
value is exactly the parsed one."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen import frontmatter
from sitegen.compiler import fmcache
from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import NOW
from tests.engine.test_incremental import SITE
from tests.trees import snapshot, write_tree


def opts(**kw: object) -> BuildOptions:
    return BuildOptions(now=NOW, jobs=1, **kw)  # type: ignore[arg-type]


def parsed_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = frontmatter.parse

    def spy(text: str, path: str) -> frontmatter.FrontMatter:
        if text.startswith("---"):  # pages without front matter have no YAML to parse
            seen.append(path)
        return real(text, path)

    monkeypatch.setattr(frontmatter, "parse", spy)
    return seen


def test_an_edit_parses_only_the_edited_front_matter(tmp_path: Path, monkeypatch) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    time.sleep(0.15)  # files this fresh are read again (readpages.RACY_NS), parsed or not
    build_site(site, out, opts())
    (site / "posts/2026-01-02-b.md").write_text("---\ntitle: B, renamed\n---\nFirst B.")
    parsed = parsed_paths(monkeypatch)
    build_site(site, out, opts())
    assert parsed == ["posts/2026-01-02-b.md"]
    clean = tmp_path / "clean"
    build_site(site, clean, opts(clean=True))
    assert snapshot(out) == snapshot(clean)


def test_a_damaged_cache_is_ignored(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build_site(site, out, opts())
    file = fmcache.FrontMatterCache.cache_file(out)
    entries = json.loads(file.read_text())["entries"]
    file.write_text(json.dumps({"format": 1, "entries": {k: [None] for k in entries}}))
    (site / "about.md").write_text("About us, edited.")
    build_site(site, out, opts())
    assert "A</title>" in (out / "posts/a/index.html").read_text()


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(dt.timezone.utc)).map(
        lambda d: d.replace(fold=0)  # YAML never makes a fold=1 time
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.text(), yaml_values, max_size=5))
def test_cached_values_round_trip_exactly(meta: dict[str, object]) -> None:
    """Cached exactly, or not cached (a key like "\\0date" would read back as a date)."""
    try:
        encoded = fmcache._encode(meta)
    except fmcache._NotJSON:
        assert any(k.startswith("\0") for m in _mappings(meta) for k in m)
        return
    decoded = fmcache._decode(json.loads(json.dumps(encoded)))
    assert decoded == meta
    assert repr(decoded) == repr(meta)  # types too: a date stays a date, an int an int


def _mappings(value: object) -> list[dict[str, object]]:
    """Every mapping in a value, itself included."""
    if isinstance(value, dict):
        return [value, *(m for v in value.values() for m in _mappings(v))]
    if isinstance(value, list):
        return [m for v in value for m in _mappings(v)]
    return []
