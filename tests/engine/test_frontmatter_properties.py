"""Properties of front matter parsing: whatever the metadata and body, the body comes back
untouched and line numbers count from the top of the file."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from sitegen import frontmatter

keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
scalars = st.one_of(
    # YAML itself folds control characters and line separators (NEL, U+2028) in plain scalars.
    st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40),
    st.integers(),
    st.booleans(),
    st.lists(st.text(alphabet="abcxyz -", max_size=8), max_size=4),
)
bodies = st.text(max_size=200)


@given(st.dictionaries(keys, scalars, max_size=6), bodies, st.booleans())
def test_body_and_meta_round_trip(meta: dict[str, object], body: str, crlf: bool) -> None:
    meta = {
        k: v for k, v in meta.items() if k not in {"date", "updated", "publish_date", "expiry_date"}
    }
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) if meta else ""
    text = f"---\n{head}---\n{body}"
    if crlf:
        text = text.replace("\n", "\r\n")
        body = body.replace("\n", "\r\n")
    fm = frontmatter.parse(text, "p.md")
    assert fm.meta == meta
    assert fm.body == body
    lines = text.split("\n")
    assert lines[fm.body_line - 2].rstrip("\r") == "---"  # the closing fence is right above


@given(bodies)
def test_no_front_matter_is_all_body(body: str) -> None:
    text = body.lstrip("\ufeff")
    if text.startswith("---"):
        return
    fm = frontmatter.parse(text, "p.md")
    assert fm.meta == {} and fm.body == text and fm.body_line == 1
