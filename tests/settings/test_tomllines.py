"""The line scanner finds each key where it is written; any text is written as a TOML string
that reads back as itself (`sitegen new --title`, error messages)."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.config import parse_config, toml_string
from sitegen.config.overrides import literal
from sitegen.config.tomllines import key_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

names = st.text("abcxyz_09", max_size=6).map(lambda s: "k" + s)
# Values, some spread over lines, whose text looks like `key = value` lines of its own.
values = st.sampled_from(
    [
        "1",
        '"a = b"',
        "'x = 1'",
        "[1, 2]",
        '[\n  "fake = 1",\n  { fake = 2 },\n]',
        '[\n  ["fake"],\n  [[ "fake" ]],\n]',  # not table headers
        '"""\nfake = 3\n"""',
        "'''\nfake = 4 ]\n'''",
        '{ fake = 5, other = "]" }',
        '"\\" fake = 6"',
    ]
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[tuple[str, ...], int]]:
    """A TOML text of tables and keys, and the line each key and table is written on."""
    lines: list[str] = []
    where: dict[tuple[str, ...], int] = {}
    tables = ["t" + n for n in draw(st.lists(names, min_size=1, max_size=4, unique=True))]
    for i, table in enumerate(tables):
        prefix: tuple[str, ...] = ()
        if i > 0:  # the first keys are top-level ones
            lines.append(draw(st.sampled_from(["", "# a comment"])))
            lines.append(draw(st.sampled_from([f"[{table}]", f"[ {table} ]", f'["{table}"]'])))
            prefix = (table,)
            where[prefix] = len(lines)
        for key in draw(st.lists(names, max_size=4, unique=True)):
            if (key,) in where and not prefix:
                continue
            spelled = draw(st.sampled_from([key, f'"{key}"', f"{key}  "]))
            where[(*prefix, key)] = len(lines) + 1
            lines.extend(f"{spelled} = {draw(values)}".split("\n"))
    return "\n".join(lines) + "\n", where


@settings(max_examples=200, deadline=None)
@given(documents())
def test_every_key_is_found_at_its_line(doc: tuple[str, dict[tuple[str, ...], int]]) -> None:
    text, where = doc
    tomllib.loads(text)  # the documents are valid TOML
    assert key_lines(text) == where


def test_dotted_and_quoted_keys() -> None:
    text = 'a.b = 1\n"c d".e = 2\n[t.u]\nv = 3\n[[w]]\nx = 4\n'
    assert key_lines(text) == {
        ("a",): 1,
        ("a", "b"): 1,
        ("c d",): 2,
        ("c d", "e"): 2,
        ("t",): 3,
        ("t", "u"): 3,
        ("t", "u", "v"): 4,
        ("w",): 5,
        ("w", "x"): 6,
    }


texts = st.text(st.characters(blacklist_categories=("Cs",)))


@given(texts)
def test_any_text_is_a_toml_string_that_reads_back(text: str) -> None:
    assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text
    assert literal(toml_string(text)) == text


@settings(max_examples=25, deadline=None)
@given(title=texts.filter(lambda t: "\x00" not in t))
def test_new_writes_a_settings_file_that_parses(tmp_path_factory: object, title: str) -> None:
    site = Path(tmp_path_factory.mktemp("new")) / "site"  # type: ignore[attr-defined]
    r = CliRunner().invoke(main, ["new", str(site), "--title", title])
    assert r.exit_code == 0, r.output
    assert parse_config((site / "sitegen.toml").read_text(encoding="utf-8")).title == title


def test_new_with_a_quoted_title_builds(tmp_path: Path) -> None:
    site, out = tmp_path / "site", tmp_path / "out"
    assert CliRunner().invoke(main, ["new", str(site), "--title", 'A "B"']).exit_code == 0
    r = CliRunner().invoke(main, ["build", str(site), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "<title>A &#34;B&#34;" in (out / "index.html").read_text(encoding="utf-8")
