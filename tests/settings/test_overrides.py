"""`--base-url` and `--set KEY=VALUE` on build, serve and publish: over the site's sitegen.toml,
checked the same way, and part of what the render cache compares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.config import parse_config, parse_overrides
from sitegen.config.overrides import literal
from sitegen.errors import ConfigError
from sitegen.serve import Preview, ServeOptions
from sitegen.sources import LocalSource
from tests.trees import write_tree

LAYOUT = "<title>{{ site.title }}</title><main>{{ content }}</main>{{ site.contact }}"
SITE = {
    "sitegen.toml": 'title = "From the file"\n[globals]\ncontact = "file@example.org"\n',
    "_layout.html": LAYOUT,
    "index.md": "# Home",
    "about.md": "# About",
}


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("5", 5),
        ("2.5", 2.5),
        ('["tags", "categories"]', ["tags", "categories"]),
        ('"quoted = text"', "quoted = text"),
        ("https://example.org/", "https://example.org/"),
        ("Notes (staging)", "Notes (staging)"),
        ("", ""),
        ("1\nother = 2", "1\nother = 2"),  # one value, not a document
    ],
)
def test_values_are_toml_literals_else_text(text: str, value: object) -> None:
    assert literal(text) == value


def test_overrides_win_over_the_file_and_merge_into_tables() -> None:
    overrides = parse_overrides(
        "https://example.org/sub/",
        ["title=Staging", "limits.template_seconds=2", "globals.extra=1", "feeds=false"],
    )
    text = 'title = "t"\n[limits]\npage_output_chars = 99\n[globals]\ncontact = "c"\n'
    config = parse_config(text, overrides=overrides.mapping())
    assert (config.title, config.base_url, config.feeds) == (
        "Staging",
        "https://example.org/sub/",
        False,
    )
    assert (config.template_seconds, config.page_output_chars) == (2.0, 99)
    assert config.globals == {"contact": "c", "extra": 1}


def test_bad_overrides_are_all_reported() -> None:
    with pytest.raises(ConfigError) as info:
        parse_overrides(None, ["base_ulr=x", "nope", "per_page=0", "title=true", "a b=1"])
    assert [str(d) for d in info.value.diagnostics] == [
        "--set: expected KEY=VALUE, got 'nope'",
        "--set: expected KEY=VALUE, got 'a b=1'",
        "--set: unknown setting 'base_ulr' (did you mean 'base_url'?)",
        "--set: per_page: expected a whole number above 0, got 0",
        "--set: title: expected a string, got true",
    ]


def test_build_with_overrides(tmp_path: Path) -> None:
    site, out = write_tree(tmp_path / "site", SITE), tmp_path / "out"
    r = run("build", str(site), "-o", str(out), "--base-url", "https://example.org/notes/",
            "--set", "title=From the CLI", "--set", "globals.contact=cli@example.org")  # fmt: skip
    assert r.exit_code == 0, r.output
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>From the CLI</title>" in home and "cli@example.org" in home
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/notes/about/</loc>" in sitemap


def test_a_bad_override_stops_the_build_before_it_writes(tmp_path: Path) -> None:
    site, out = write_tree(tmp_path / "site", SITE), tmp_path / "out"
    r = run("build", str(site), "-o", str(out), "--set", "base_ulr=x")
    assert (r.exit_code, r.output) == (
        1,
        "--set: unknown setting 'base_ulr' (did you mean 'base_url'?)\n",
    )
    assert not out.exists()


def test_the_render_cache_sees_overrides(tmp_path: Path) -> None:
    """A page rendered under one --set is not reused under another (the cache key hashes the
    effective settings, overrides included)."""
    site, out = write_tree(tmp_path / "site", SITE), tmp_path / "out"
    for title in ("First", "Second", "First"):
        assert run("build", str(site), "-o", str(out), "--set", f"title={title}").exit_code == 0
        for page in ("index.html", "about/index.html"):
            text = (out / page).read_text(encoding="utf-8")
            assert f"<title>{title}</title>" in text, (title, page)


def test_publish_with_overrides(tmp_path: Path) -> None:
    site, www, state = write_tree(tmp_path / "site", SITE), tmp_path / "www", tmp_path / "state"
    common = ["--to", str(www), "--state-dir", str(state)]
    r = run("publish", str(site), *common, "--set", "base_ulr=https://example.org/")
    assert (r.exit_code, r.output) == (
        1,
        "error: --set: unknown setting 'base_ulr' (did you mean 'base_url'?)\n",
    )
    assert not www.exists() and not state.exists()  # nothing signed, locked or written
    r = run(
        "publish", str(site), *common, "--base-url", "https://example.org/", "--set", "title=Live"
    )
    assert r.exit_code == 0, r.output
    assert "<title>Live</title>" in (www / "current" / "index.html").read_text(encoding="utf-8")
    assert (www / "current" / "sitemap.xml").is_file()


def test_serve_with_a_bad_override_starts_nothing(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    args = [sys.executable, "-m", "sitegen", "serve", str(site), "--port", "0"]
    try:  # a process, so that a preview started despite the error cannot hang the test
        r = subprocess.run([*args, "--set", "limits.memory=1"], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("serve started with a bad --set")
    assert r.returncode == 1
    assert r.stderr.decode().endswith(
        "--set: unknown setting 'limits.memory' "
        "(known: limits.template_seconds, limits.page_output_chars)\n"
    )


def test_serve_with_overrides_serves_under_the_given_base_url(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    overrides = parse_overrides("/staging/", ["title=Preview"])
    preview = Preview(LocalSource(site), ServeOptions(port=0, overrides=overrides), log=print)
    try:
        url = preview.start()
        assert url.endswith("/staging/")
        page = httpx.get(url + "about/", timeout=30)
        assert page.status_code == 200 and "<title>Preview</title>" in page.text
    finally:
        preview.close()
