"""Impossible dates and YAML alias bombs are `path:line` errors in build, check and the preview,
never a traceback, and a failed build leaves the output as it was."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import yamlsafe
from sitegen.cli import main
from tests.serve.conftest import StartPreview, site, start_preview  # noqa: F401 (fixtures)
from tests.trees import snapshot, write_tree

LAYOUT = {"_layout.html": "{{ content }}"}

BOMB = "".join(
    f"{a}: &{a} [{', '.join([f'*{p}'] * 10) if p else ', '.join(['x'] * 10)}]\n"
    for p, a in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    return r.exit_code, r.output


@pytest.mark.parametrize(
    "files, message",
    [
        (
            {"a.md": "---\ntitle: A\ndate: 2026-02-30\n---\n"},
            "a.md:3: front matter: date: not a date: '2026-02-30' "
            "(day is out of range for month; use YYYY-MM-DD)",
        ),
        (
            {"a.md": "---\ntitle: A\n\npublish_date: 2026-13-45\n---\n"},
            "a.md:4: front matter: publish_date: not a date: '2026-13-45' "
            "(month must be in 1..12; use YYYY-MM-DD)",
        ),
        (
            {"p/a.md": "x", "p/_data.yaml": "a:\n  date: 2026-02-31\n"},
            "p/a.md:1: front matter: date (from p/_data): not a date: '2026-02-31' "
            "(day is out of range for month; use YYYY-MM-DD)",
        ),
        (
            {"a.md": "---\ntitle: A\n" + BOMB + "---\n"},
            "a.md:6: front matter: invalid YAML: aliases expand this document to more than "
            "100,000 values over its own; write the values out or use fewer aliases",
        ),
        (
            {"index.md": "x", "_data/bomb.yaml": BOMB},
            "_data/bomb.yaml:4: invalid YAML: aliases expand this document to more than "
            "100,000 values over its own; write the values out or use fewer aliases",
        ),
        (
            {"a.md": "---\ntitle: A\nloop: &l [1, *l]\n---\n"},
            "a.md:3: front matter: invalid YAML: an alias that contains itself is not allowed",
        ),
    ],
)
def test_bad_values_are_reported_at_their_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    site_dir = write_tree(tmp_path / "site", {**LAYOUT, **files})
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    code, text = cli("build", str(site_dir), "-o", str(out))
    assert (code, text) == (1, f"{message}\nbuild failed: 1 error\n")
    assert snapshot(tmp_path) == before and not out.exists()
    code, text = cli("check", str(site_dir))
    assert (code, text) == (1, f"{message}\nbuild failed: 1 error\n")
    assert snapshot(tmp_path) == before


def test_a_valid_date_that_looks_impossible_in_a_file_name_is_just_a_name(tmp_path: Path) -> None:
    site_dir = write_tree(tmp_path / "site", {**LAYOUT, "posts/2026-02-30-x.md": "# X"})
    code, text = cli("build", str(site_dir), "-o", str(tmp_path / "out"))
    assert code == 0, text
    assert (tmp_path / "out/posts/2026-02-30-x/index.html").is_file()


def test_aliases_within_the_budget_still_work() -> None:
    text = "base: &b {a: 1, b: 2}\nx: {<<: *b, c: 3}\ny: [*b, *b]\n"
    assert yamlsafe.load(text) == {
        "base": {"a": 1, "b": 2},
        "x": {"a": 1, "b": 2, "c": 3},
        "y": [{"a": 1, "b": 2}, {"a": 1, "b": 2}],
    }


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(Exception, match=r"nested too deeply|maximum nesting depth") as info:
        yamlsafe.load("[" * 999 + "]" * 999)
    assert info.type.__module__.startswith("yaml")


def test_the_preview_overlay_shows_the_same_message(
    site: Path,  # noqa: F811
    start_preview: StartPreview,  # noqa: F811
) -> None:
    run = start_preview()
    run.write("bad.md", "---\ntitle: Bad\ndate: 2026-02-30\n---\n")
    run.wait_for(lambda: any("build failed" in line for line in run.lines), what="failure")
    page = httpx.get(run.url).text
    assert 'id="sitegen-error"' in page
    assert "<code>bad.md:3</code>" in page
    assert "date: not a date: &#x27;2026-02-30&#x27; (day is out of range for month" in page


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text() | st.dates(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_the_safe_loader_reads_what_yaml_writes(value: object) -> None:
    """Without aliases and impossible dates, the safe loader is PyYAML's safe loader."""
    text = yaml.safe_dump(value)
    assert yamlsafe.load(text) == yaml.safe_load(text) == value
