"""simpleyaml, the front matter reader without PyYAML: whatever it accepts, it reads exactly as
yamlsafe.load does (values and their types: True is not 1), and what it refuses is left to
yamlsafe. It must also accept the front matter most pages have, or it is dead code."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import sitegen
from sitegen import frontmatter, simpleyaml, yamlsafe

# A child Python imports this tree's sitegen, as the tests do.
ENV = {**os.environ, "PYTHONPATH": str(Path(sitegen.__file__).parent.parent)}
CORPUS = Path(__file__).parents[3] / "shared" / "bench" / "make_corpus.py"

# Scalars PyYAML's resolver builds into something other than a string, and near misses.
WORDS = (
    "yes no on off On OFF y n null Null NULL nUll ~ true True TRUE tRue false .inf -.inf +.INF"
    " .nan .NaN inf 0x1f 0x_ -0x1F 0o7 017 08 09 0 00 -0 +0 0_ 0b101 0b_ -0b1 1_000 1__0 _1"
    " 1:30 -1:30 1:30:00 12:60 1:30.5 190:20:30.15 1.5 -1.5 1. .5 1e5 1.e+5 1.5e-3 1_0.5_"
    " 2024-02-30 2024-1-1 2024-01-01 0000-01-01 2024-13-01 2024-01-01T10:00:00 2024-01-01x"
    " 2024-01-01-post 1234-56-78 = << - -- --- ... ? ?a a? :a a: a:b http://x.org/a a,b a=b"
    " über 日本 ½ ١٢ (x) $x ^x ;x .x +x /x _x"
    " Don't C# a#b a! 50% a@b a&b a*b x|y x>y a[1] a{b} a\\b it's a'b' a\"b\" a:#"
)
SPECIAL = [*WORDS.split(), "2024-01-01 10:00", "2024-01-01 10:00:00", "a b", "", " ", "- a", "a: b"]
SPECIAL += ["a #b", "a # b", "Don't panic", "100% sure!", "a  #b", "x #"]
NASTY = ":#'\"-[]{},&*!|>%@\\`~ \t0123456789._/?+=()abyoneulxü\u2028\x85\r"
NEAR = "ab0129._-+/: ü'#!"  # mostly in the subset

# Scalars, keys and lines that are mostly in the subset (so that many documents are accepted and
# checked) or all over the place (so that the refusals are tried).
near_scalars = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(alphabet=NEAR, min_size=1, max_size=10),
    st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=3).map(" ".join),
)
nasty_scalars = st.one_of(near_scalars, st.text(alphabet=NASTY, max_size=10))
near_keys = st.one_of(
    st.sampled_from(["title", "date", "tags", "a-b", "_x"]),
    st.from_regex(r"[a-z_][a-z0-9_-]{0,5}", fullmatch=True),
)
nasty_keys = st.one_of(
    near_keys,
    st.sampled_from(["yes", "On", "null", "~", "1", "a b", "a:", "-a"]),
    st.text(alphabet="ab_-:1 yes\t#", min_size=1, max_size=6),
)
spaces = st.sampled_from(["", " ", "  "])


@st.composite
def entries(draw: Any, nasty: bool) -> tuple[str, str]:
    """(key, its lines): a key with a scalar, a flow list or a block list, or a stray line."""
    key = draw(nasty_keys if nasty else near_keys)
    scalars = nasty_scalars if nasty else near_scalars
    kind = draw(st.sampled_from(["scalar", "flow", "block", "raw"] if nasty else "sfb"))
    if kind in ("scalar", "s"):
        return key, f"{key}:{draw(st.sampled_from([' ', '  ', '']))}{draw(scalars)}{draw(spaces)}"
    if kind in ("flow", "f"):
        items = draw(st.lists(scalars, max_size=4))
        sep = draw(st.sampled_from([", ", ",", " , ", ",,"] if nasty else [", ", ","]))
        opening = draw(st.sampled_from(["[", "[ ", "{"] if nasty else ["[", "[ "]))
        return key, f"{key}: {opening}{sep.join(items)}]{draw(spaces)}"
    if kind in ("block", "b"):
        n = draw(st.sampled_from([0, 2, 3]))
        indents = draw(
            st.lists(st.sampled_from([n, n, 1] if nasty else [n]), min_size=1, max_size=3)
        )
        dash = st.sampled_from(["- ", "-  ", "-"] if nasty else ["- "])
        items = [f"{' ' * n}{draw(dash)}{draw(scalars)}" for n in indents]
        return key, "\n".join([f"{key}:{draw(spaces)}", *items])
    return key, draw(st.sampled_from(["", "  ", "---", "...", "  x", "- a", "# c", "a::b", "\t"]))


# Keys are distinct: a duplicate is refused, and would hide whatever else is there.
documents = st.builds(
    lambda entries, end: "\n".join(lines for _, lines in entries) + end,
    st.booleans().flatmap(
        lambda nasty: st.lists(entries(nasty), max_size=5, unique_by=lambda entry: entry[0])
    ),
    st.sampled_from(["\n", "", "\n\n"]),
)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, all the way down (1 == True == 1.0, but not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@settings(max_examples=300)
@given(documents)
@example("a: yes\nb: [on, Off, no]\nc:\n- TRUE\n")
@example("a: 0x1f\nb: 017\nc: 1_000\nd: 1:30\ne: -0\nf: 09\ng: 0o7\n")
@example("a: .inf\nb: -.inf\nc: 1.5\nd: 1:30.5\ne: 1.e+5\n")
@example("a: ~\nb:\nc: null\nd: [~, NULL]\n")
@example("a: 2024-02-30\nb: 2024-01-01\nc: 2024-1-1\nd: [2024-02-29, 2023-02-29]\n")
def test_accepted_documents_read_as_yamlsafe_reads_them(doc: str) -> None:
    got = simpleyaml.load(doc)
    if got is not None:  # refused: yamlsafe reads it (or reports it)
        assert same(got, yamlsafe.load(doc)), (got, yamlsafe.load(doc))


@settings(max_examples=300)
@given(st.text(max_size=12), st.sampled_from(["a: {}\n", "a: [{}]\n", "a:\n- {}\n", "{}: a\n"]))
def test_any_characters_read_as_yamlsafe_reads_them(text: str, shape: str) -> None:
    doc = shape.format(text)
    got = simpleyaml.load(doc)
    if got is not None:
        assert same(got, yamlsafe.load(doc)), (got, yamlsafe.load(doc))


@pytest.mark.parametrize(
    "doc, value",
    [
        ("title: Quick widget lorem ipsum\ndate: 2019-03-04\ntags: [alpha, beta]\n", None),
        ("a: yes\nb: 'yes'\n", "refused"),
        ("a: x # note\n", "refused"),
        ("title: Don't panic: a C# guide, 100% [draft]!\n", "refused"),
        ("title: Don't panic, a C# guide, 100% [draft]!\n", None),
        ("a: [Don't]\n", "refused"),
        ("a: [x, [y]]\n", "refused"),
        ("a: x\na: y\n", "refused"),
        ("yes: x\n", "refused"),
        ("a:\n  b: c\n", "refused"),
        ("a: 2024-01-01 10:00:00\n", "refused"),
        ("a: .nan\n", "refused"),
        ("", "refused"),
        ("a: 1\n---\nb: 2\n", "refused"),
    ],
)
def test_accepts_the_common_shape_and_refuses_the_rest(doc: str, value: str | None) -> None:
    got = simpleyaml.load(doc)
    if value == "refused":
        assert got is None
    else:
        assert got == yamlsafe.load(doc) and got is not None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("yes", True), ("Off", False), ("1_000", 1000), ("0x1f", 31), ("017", 15), ("1:30", 90),
        ("-.inf", float("-inf")), ("2024-02-29", dt.date(2024, 2, 29)), ("2023-02-29", "2023-02-29"),
        ("~", None), ("0o7", "0o7"), ("09", "09"), ("https://x.org/a", "https://x.org/a"),
    ],
)  # fmt: skip
def test_scalars_resolve_by_yaml_1_1(value: str, expected: object) -> None:
    flow = f"b: [{value}]\n" if ":" not in value else ""  # `:` only outside flow lists
    got = simpleyaml.load(f"a: {value}\n{flow}c:\n  - {value}\n")
    assert got is not None
    values = [got["a"], got["c"][0], *(got["b"] if flow else [])]
    assert all(same(v, expected) for v in values)


def _corpus_front_matter(n: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS)
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    return [corpus.front_matter(corpus.make_page(42, i)[1], "plain") for i in range(n)]


@pytest.mark.skipif(not CORPUS.exists(), reason="no benchmark corpus generator beside the repo")
def test_the_benchmark_corpus_front_matter_is_read_without_pyyaml() -> None:
    for text in _corpus_front_matter(300):
        source = frontmatter.split(text, "p.md")[0]
        assert source is not None and simpleyaml.load(source) is not None, source


def test_parsing_trivial_front_matter_does_not_import_yaml() -> None:
    """An edit rebuild parses a page or two: the fast path must not need `import yaml`."""
    code = (
        "import sys; from sitegen import frontmatter\n"
        "fm = frontmatter.parse('---\\ntitle: A page\\ndate: 2019-03-04\\ntags: [a, b]\\n"
        "aliases:\\n  - old\\n---\\nbody\\n', 'p.md')\n"
        "assert fm.meta['tags'] == ['a', 'b'] and fm.body_line == 8, fm\n"
        "assert 'yaml' not in sys.modules, 'yaml imported'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert run.returncode == 0, run.stderr


def test_errors_still_come_from_yamlsafe_at_their_line() -> None:
    with pytest.raises(frontmatter.FrontMatterError, match=r"p\.md:4: front matter: invalid"):
        frontmatter.parse("---\ntitle: x\ndate: 2019-03-04\nbad: a: b\n---\n", "p.md")
