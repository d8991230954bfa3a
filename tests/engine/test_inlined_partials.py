"""A shipped theme's partials are compiled into the theme templates that call them
(render/inlining.py): the pages are the same as with partial() called at render time, an error
in one is reported in its own file and line, and a site's copy of one is never inlined, even
when it appears after compiled templates were kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sitegen.compiler import pagejob
from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.render.templates import TemplateProblem, TemplateRoot, Templates
from tests.conftest import write_tree

THEME = {
    "_layout.html": (
        "{% set who = 'caller' %}<h1>{{ partial('greet', name=page.title) }}</h1>"
        "{% for tag in page.tags %}{{ partial('tag', tag=tag) }}{% endfor %}"
        "[{{ who }}]{{ partial('nest') }}{{ partial('nest') }}{{ partial('plain', n=1) }}"
        "({{ mine | default('unset') }})"
    ),
    "_partials/plain.html": "{% set mine = 'plain' %}<b>{{ page.title }} {{ n }} {{ mine }}</b>",
    "_partials/greet.html": "{%- set who = 'partial' -%}Hi {{ name }} ({{ who }})",
    "_partials/tag.html": "<i>{{ tag | upper }}</i>{% if loop is defined %}!{% endif %}",
    "_partials/nest.html": "<{{ partial('greet', name='nested') }}>\n",
    "_partials/boom.html": "ok\n{{ page.title.nope.deeper }}\n",
    "_layouts/boom.html": "before {{ partial('boom') }} after",
}
CONTEXT: dict[str, Any] = {"page": {"title": "T & co", "tags": ["a", "b"]}}


def theme_templates(tmp_path: Path, inline: bool) -> Templates:
    theme = write_tree(tmp_path / "theme", THEME)
    return Templates([TemplateRoot(theme, "themes/t/", trusted=True)], inline=inline)


def test_inlined_partials_render_as_partials_called_at_render_time(tmp_path: Path) -> None:
    inlined = theme_templates(tmp_path, inline=True)
    called = theme_templates(tmp_path, inline=False)
    page = inlined.render("_layout.html", CONTEXT)
    assert page == called.render("_layout.html", CONTEXT)
    assert page.startswith("<h1>Hi T &amp; co (partial)</h1><i>A</i><i>B</i>[caller]<Hi nested")
    assert page.endswith("<b>T &amp; co 1 plain</b>(unset)")  # its `set` stays its own
    compiled = inlined.trusted.compile(
        inlined.loader.get_source(inlined.trusted, "_layout.html")[0], "_layout.html", raw=True
    )
    # `plain` is compiled in; left to render time: `tag` reads `loop`, `greet` reads `who`,
    # which the layout sets, and so does `nest` with `greet` compiled into it
    assert set(re.findall(r"partial\), '(\w+)'", compiled)) == {"greet", "tag", "nest"}


def test_an_error_in_an_inlined_partial_names_its_file_and_line(tmp_path: Path) -> None:
    templates = theme_templates(tmp_path, inline=True)
    with pytest.raises(TemplateProblem) as err:
        templates.render("_layouts/boom.html", CONTEXT)
    assert str(err.value).startswith("themes/t/_partials/boom.html:2: undefined variable")


def test_the_default_theme_renders_the_same_pages_inlined(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    long = "\n\n".join(f"## Part {i}\n\n" + "word " * 60 for i in range(4))
    site = write_tree(
        tmp_path / "site",
        {
            "index.md": "---\ntitle: Home\nlisting: blog\n---\nWelcome.\n",
            "blog/a.md": f"---\ntitle: A\ndate: 2024-01-02\ntags: [x, y]\nauthor: Me\n---\n{long}",
            "blog/b.md": "---\ntitle: B\ndate: 2024-02-03\n---\nShort [link](a.md).\n",
            "sitegen.toml": 'title = "Site"\nnav = [{title = "Blog", url = "/blog/"}]\n',
        },
    )
    build_site(site, tmp_path / "inlined", BuildOptions(clean=True))
    monkeypatch.setattr(pagejob, "Templates", lambda *a, **k: Templates(*a, **k, inline=False))
    build_site(site, tmp_path / "called", BuildOptions(clean=True))
    pages = sorted(
        p.relative_to(tmp_path / "inlined") for p in (tmp_path / "inlined").rglob("*.html")
    )
    assert len(pages) > 4
    for rel in pages:
        inlined = (tmp_path / "inlined" / rel).read_text("utf-8")
        assert inlined == (tmp_path / "called" / rel).read_text("utf-8"), rel


def test_a_sites_partial_added_after_a_build_is_used_not_the_kept_inlined_one(
    tmp_path: Path,
) -> None:
    site = write_tree(tmp_path / "site", {"index.md": "---\ntitle: Hello\n---\nText.\n"})
    out = tmp_path / "out"
    build_site(site, out)
    assert "Built with sitegen" in (out / "index.html").read_text("utf-8")
    write_tree(site, {"_partials/footer.html": "<footer>mine</footer>\n"})
    build_site(site, out)  # the theme's compiled templates are kept from the first build
    page = (out / "index.html").read_text("utf-8")
    assert "<footer>mine</footer>" in page
    assert "Built with sitegen" not in page
