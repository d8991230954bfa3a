"""Templates run with a size limit on every value and page, and a time limit per page, in the
main process, in forked render workers and in the preview's builder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.compiler.incremental import IncrementalBuilder
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.errors import BuildError
from sitegen.render.limits import TemplateLimits
from sitegen.render.templates import TemplateProblem, TemplateRoot, Templates
from tests.trees import snapshot, write_tree

SETTINGS = "[limits]\ntemplate_seconds = 2\npage_output_chars = 100000\n"
SIZE = "a value would be longer than 100,000 characters (limits.page_output_chars)"
# No call or output inside the loops: only the guarded for-loop sees the clock.
LOOPS = (
    "{% set xs = range(100000) | list %}{% for a in xs %}{% for b in xs %}{% endfor %}{% endfor %}"
)


@pytest.mark.parametrize(
    "template, message",
    [
        ("{{ 'x' * 10**9 }}", f"bad.html:3: template limit: {SIZE}"),
        ("{{ [0] * 10**9 }}", f"bad.html:3: template limit: {SIZE}"),
        ("{{ 2 ** 10000000 }}", "bad.html:3: template limit: 2 ** 10000000 is too big a number"),
        (
            "{% set ns = namespace(s='ab') %}\n"
            "{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            f"bad.html:4: template limit: {SIZE}",
        ),
        (
            "{% set ns = namespace(s='ab') %}\n"
            "{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
            f"bad.html:4: template limit: {SIZE}",
        ),
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
            "bad.html: template limit: the page would be longer than 100,000 characters "
            "(limits.page_output_chars)",
        ),
        (
            LOOPS,
            "bad.html:3: template limit: rendering took more than 2 s (limits.template_seconds)",
        ),
        (
            "{{ 'x'.center(10**9) }}",
            "bad.html:3: template limit: a call with the argument 1,000,000,000 would be longer "
            "than 100,000 characters (limits.page_output_chars)",
        ),
        (
            "{{ 'x' | indent(10**9, true) }}",
            "bad.html:3: template limit: a call with the argument 1,000,000,000 would be longer "
            "than 100,000 characters (limits.page_output_chars)",
        ),
        (
            "{{ '{:>1000000000}'.format(1) }}",
            "bad.html:3: template limit: a format width of 1,000,000,000 would be longer "
            "than 100,000 characters (limits.page_output_chars)",
        ),
        (
            "{{ range(10**9) | list }}",  # (Jinja's own MAX_RANGE would refuse it next)
            "bad.html:3: template limit: a call with the argument 1,000,000,000 would be longer "
            "than 100,000 characters (limits.page_output_chars)",
        ),
    ],
)
def test_limits_stop_a_page_with_its_line(tmp_path: Path, template: str, message: str) -> None:
    site = write_tree(
        tmp_path / "site",
        {
            "sitegen.toml": SETTINGS,
            "_layout.html": "{{ content }}",  # no theme: only bad.html's own time counts
            "index.md": "x",
            "bad.html": "---\n---\n" + template,
        },
    )
    site_before = snapshot(tmp_path)
    r = CliRunner().invoke(main, ["build", str(site), "-o", str(tmp_path / "out")])
    assert (r.exit_code, r.output) == (1, f"{message}\nbuild failed: 1 error\n")
    assert snapshot(tmp_path) == site_before


def test_forked_workers_and_the_preview_stop_at_the_deadline(tmp_path: Path) -> None:
    pages = {f"p{i}.md": "x" for i in range(450)}  # enough pages for the forked workers
    site = write_tree(
        tmp_path / "site",
        {"sitegen.toml": SETTINGS, "_layout.html": "{{ content }}", "bad.html": LOOPS, **pages},
    )
    want = ["bad.html:1: template limit: rendering took more than 2 s (limits.template_seconds)"]
    with pytest.raises(BuildError) as info:
        build_site(site, tmp_path / "out", BuildOptions(jobs=2))
    assert [str(d) for d in info.value.diagnostics] == want
    with pytest.raises(BuildError) as info:
        IncrementalBuilder(site, tmp_path / "preview").build()
    assert [str(d) for d in info.value.diagnostics] == want


def test_ordinary_templates_are_untouched(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site",
        {
            "sitegen.toml": SETTINGS,
            "index.html": "---\nlayout: false\n---\n{{ 'ab' ~ 'c' }} {{ 'x' * 3 }} {{ 2 ** 10 }} {{ [1] + [2] }} "
            "{% for i in range(3) %}{{ i }}{% endfor %} {{ '<' ~ 'b' }} {{ 'a' + 'b' }}",
        },
    )
    r = CliRunner().invoke(main, ["build", str(site), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out/index.html").read_text() == "abc xxx 1024 [1, 2] 012 &lt;b ab"


@pytest.mark.parametrize(
    "settings_text, message",
    [
        (
            "[limits]\ntemplate_seconds = 0\n",
            "sitegen.toml:2: limits.template_seconds: expected a number above 0, got 0",
        ),
        (
            "[limits]\npage_output_chars = 1.5\n",
            "sitegen.toml:2: limits.page_output_chars: expected a whole number above 0, got 1.5",
        ),
        (
            "[limits]\nmemory = 1\n",
            "sitegen.toml:2: unknown setting 'limits.memory' "
            "(known: limits.template_seconds, limits.page_output_chars)",
        ),
    ],
)
def test_bad_limits_are_settings_errors(tmp_path: Path, settings_text: str, message: str) -> None:
    site = write_tree(tmp_path / "site", {"sitegen.toml": settings_text, "index.md": "x"})
    r = CliRunner().invoke(main, ["build", str(site), "-o", str(tmp_path / "out")])
    assert (r.exit_code, r.output) == (1, f"{message}\n")


@pytest.mark.parametrize("extra, fails", [(0, False), (1, True)])
def test_page_output_limit_holds_at_its_boundary(tmp_path: Path, extra: int, fails: bool) -> None:
    """A page of exactly `page_output_chars` characters renders; one more character stops it.
    The page is streamed in many chunks, and the running total is what is checked."""
    limit = 1000
    body = "{% for i in range(100) %}{{ 'x' * 9 }}y{% endfor %}" + "z" * extra
    write_tree(tmp_path, {"page.html": body})
    templates = Templates(
        [TemplateRoot(tmp_path)], limits=TemplateLimits(seconds=5, max_output=limit)
    )
    if fails:
        with pytest.raises(TemplateProblem, match="the page would be longer than 1,000"):
            templates.render("page.html", {})
    else:
        assert len(templates.render("page.html", {})) == limit


def test_a_page_of_a_shipped_theme_past_the_output_limit_fails(tmp_path: Path) -> None:
    """The shipped layout is rendered whole, then measured: the page still fails, as before."""
    site = write_tree(
        tmp_path / "site",
        {
            "sitegen.toml": "[limits]\npage_output_chars = 5000\n",
            "small.md": "Short.\n",
            "big.md": "word " * 2000 + "\n",
        },
    )
    with pytest.raises(BuildError) as err:
        build_site(site, tmp_path / "out")
    assert [str(d) for d in err.value.diagnostics] == [
        "_layout.html: template limit: the page would be longer than 5,000 characters "
        "(limits.page_output_chars)"
    ]
