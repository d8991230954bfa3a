"""sitegen.toml checked against the declared settings: every problem at once, each at its line."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.compiler.ownership import mark_owned
from sitegen.config import SiteConfig, parse_config, parse_overrides, setting_names
from sitegen.config.declare import KINDS, rule_of
from sitegen.config.schema import SECTIONS
from sitegen.errors import ConfigError
from tests.conftest import SiteBuilder
from tests.trees import snapshot, write_tree

DOCS = Path(__file__).parents[2] / "docs" / "site-format.md"


def messages(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return [str(d) for d in info.value.diagnostics]


def test_every_problem_is_reported_at_its_line(sb: SiteBuilder) -> None:
    text = (
        "title = 3\n"  # 1
        'base_ulr = "https://example.org/"\n'  # 2
        'urls = "fancy"\n'  # 3
        "nav = [\n"  # 4
        '  { title = "Home", url = "/" },\n'
        '  { title = "x = 1" },\n'
        "]\n"
        "per_page = 0\n"  # 8
        "[site]\n"  # 9
        'title = "in the wrong table"\n'
        "[limits]\n"  # 11
        'template_seconds = "5s"\n'  # 12
        "memory = 1\n"  # 13
    )
    assert sb.errors({"sitegen.toml": text, "index.md": "# Hi"}) == [
        "sitegen.toml:1: title: expected a string, got 3",
        "sitegen.toml:2: unknown setting 'base_ulr' (did you mean 'base_url'?)",
        'sitegen.toml:3: urls: expected "pretty" or "html", got "fancy"',
        "sitegen.toml:4: nav: expected a list of tables with a string title and url, "
        "got [a table, a table]",
        "sitegen.toml:8: per_page: expected a whole number above 0, got 0",
        "sitegen.toml:9: unknown setting 'site' "
        "(settings go at the top of the file; values for templates go under [globals])",
        'sitegen.toml:12: limits.template_seconds: expected a number above 0, got "5s"',
        "sitegen.toml:13: unknown setting 'limits.memory' "
        "(known: limits.template_seconds, limits.page_output_chars)",
    ]


def test_the_cli_prints_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site", {"sitegen.toml": 'base_ulr = "/"\ntitle = true\n', "index.md": "x"}
    )
    out = write_tree(tmp_path / "out", {"index.html": "previous"})
    mark_owned(out)  # a previous build's output
    before = snapshot(out)
    r = CliRunner().invoke(main, ["build", str(site), "-o", str(out)])
    assert (r.exit_code, r.output) == (
        1,
        "sitegen.toml:1: unknown setting 'base_ulr' (did you mean 'base_url'?)\n"
        "sitegen.toml:2: title: expected a string, got true\n"
        "build failed: 2 errors\n",
    )
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_url = 3", "base_url: expected a string, got 3"),
        ('strict = "yes"', 'strict: expected true or false, got "yes"'),
        ("feeds = 1", "feeds: expected true or false, got 1"),
        ("per_page = 2.5", "per_page: expected a whole number above 0, got 2.5"),
        ("per_page = true", "per_page: expected a whole number above 0, got true"),
        ('extra_css = "a.css"', 'extra_css: expected a list of strings, got "a.css"'),
        ("exclude = [1, 2]", "exclude: expected a list of strings, got [1, 2]"),
        ('raw_html = "keep"', 'raw_html: expected "allow", "escape" or "drop", got "keep"'),
        (
            'timezone = "Mars/Olympus"',
            'timezone: expected a time zone name like "Europe/Berlin", got "Mars/Olympus"',
        ),
        ("globals = 1", "globals: expected a table, got 1"),
        ("limits = 1", "limits: expected a table, got 1"),
        ("author = 2024-01-02", "author: expected a string, got 2024-01-02"),
    ],
)
def test_wrong_types(text: str, message: str) -> None:
    assert messages(f'title = "t"\n{text}\n') == [f"sitegen.toml:2: {message}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_ulr = 1", "unknown setting 'base_ulr' (did you mean 'base_url'?)"),
        ("Title = 1", "unknown setting 'Title' (did you mean 'title'?)"),
        (
            "template_seconds = 5",
            "unknown setting 'template_seconds' (did you mean 'limits.template_seconds'?)",
        ),
        ("[limit]\ntemplate_seconds = 5", "unknown setting 'limit' (did you mean 'limits'?)"),
        ("[global]\nx = 1", "unknown setting 'global' (did you mean 'globals'?)"),
        ("contact = 'me'", "unknown setting 'contact' (values for templates go under [globals])"),
    ],
)
def test_unknown_settings_name_the_nearest(text: str, message: str) -> None:
    assert messages(text) == [f"sitegen.toml:1: {message}"]


def test_a_dotted_key_is_found_at_its_line() -> None:
    text = 'title = "t"\n\n"limits".template_seconds = -1\n'
    assert messages(text) == [
        "sitegen.toml:3: limits.template_seconds: expected a number above 0, got -1"
    ]


def test_no_file_means_the_declared_defaults() -> None:
    assert parse_config("") == SiteConfig()
    assert parse_config("").explicit == frozenset()


def test_a_theme_applies_only_when_a_setting_names_it(sb: SiteBuilder) -> None:
    # A site with its own layout gets a theme only when it names one (in the file or --set).
    files = {"_layout.html": "<main>{{ content }}</main>", "index.md": "# Hi"}
    sb.build({**files, "sitegen.toml": '# theme = "blog"\n'})
    assert "css/theme.css" not in sb.outputs()
    sb.build({**files, "sitegen.toml": 'theme = "blog"\n'})
    assert "css/theme.css" in sb.outputs()
    sb.build(
        {**files, "sitegen.toml": ""}, clean=True, overrides=parse_overrides(None, ["theme=blog"])
    )
    assert "css/theme.css" in sb.outputs()


def test_every_setting_is_declared_with_a_kind_and_a_doc() -> None:
    for section in (SiteConfig, *SECTIONS.values()):
        for f in dataclasses.fields(section):
            if "doc" in f.metadata and str(f.type) not in SECTIONS:
                rule = rule_of(f)
                assert rule is not None and f.type in KINDS, f.name
                default = _default(f)
                assert rule.doc and (default is None or rule.problem(default) is None), f.name


def _default(f: dataclasses.Field[object]) -> object:
    value = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    if isinstance(value, tuple):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    return {} if isinstance(value, dict) else value


def test_every_setting_is_in_the_reference() -> None:
    """docs/site-format.md's settings table names each declared setting once."""
    docs = DOCS.read_text(encoding="utf-8")
    section = docs.split("## Settings (sitegen.toml)", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_.]+)`", section, re.MULTILINE))
    sections = {f.name for f in dataclasses.fields(SiteConfig) if str(f.type) in SECTIONS}
    assert documented == set(setting_names()) - sections
