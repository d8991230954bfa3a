"""The themes shipped with sitegen run outside Jinja2's sandbox; a site's own templates, and a
site's copy of a theme's partial included by the shipped theme, stay inside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.compiler.pipeline import build_site
from sitegen.compiler.tree import bundled_themes_dir
from sitegen.errors import BuildError
from sitegen.render.environments import Sandbox, Trusted
from sitegen.render.templates import TemplateRoot, Templates
from tests.conftest import write_tree

ESCAPE = "{{ ''.__class__.__mro__ }}"
PAGE = "---\ntitle: Hello\n---\nSome text.\n"


def test_shipped_theme_templates_run_trusted_and_the_sites_own_sandboxed(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {"_partials/footer.html": "<p>mine</p>\n"})
    theme = bundled_themes_dir() / "default"
    templates = Templates(
        [TemplateRoot(site, ""), TemplateRoot(theme, "themes/default/", trusted=True)]
    )
    assert type(templates.env.get_template("_layout.html").environment) is Trusted
    # found in the site first: the site's copy runs sandboxed, whoever asks for it
    footer = templates.trusted.get_template("_partials/footer.html")
    assert type(footer.environment) is Sandbox


def test_a_sites_partial_included_by_the_shipped_theme_stays_sandboxed(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site", {"index.md": PAGE, "_partials/footer.html": f"<p>{ESCAPE}</p>\n"}
    )
    out = tmp_path / "out"
    with pytest.raises(BuildError) as err:
        build_site(site, out)
    assert "_partials/footer.html:1: template security: access to attribute '__class__'" in str(
        err.value
    )
    assert not out.exists()


def test_a_copy_of_a_shipped_theme_in_the_site_stays_sandboxed(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {"index.md": PAGE, "sitegen.toml": 'theme = "mine"\n'})
    shutil.copytree(bundled_themes_dir() / "default", site / "themes" / "mine")
    (site / "themes/mine/_partials/footer.html").write_text(f"<p>{ESCAPE}</p>\n", "utf-8")
    with pytest.raises(BuildError) as err:
        build_site(site, tmp_path / "out")
    assert "themes/mine/_partials/footer.html:1: template security" in str(err.value)


class _WithAttributes(dict[str, object]):
    """A dict subclass whose instances may hold attributes named like its keys."""


class _Computed(dict[str, object]):
    def __getattr__(self, name: str) -> object:
        return f"computed {name}"


_NAMES = st.sampled_from(["title", "level", "get", "items", "keys", "x", "__class__", "__len__"])


@given(
    kind=st.sampled_from([dict, _WithAttributes, _Computed]),
    keys=st.dictionaries(_NAMES, st.integers(), max_size=4),
    attributes=st.dictionaries(_NAMES.filter(lambda n: not n.startswith("__")), st.integers()),
    name=_NAMES,
)
def test_trusted_lookup_of_a_dict_answers_as_jinjas(
    kind: type[dict[str, object]], keys: dict[str, int], attributes: dict[str, int], name: str
) -> None:
    """Trusted reads `obj.name` on a dict as its key without trying getattr() first: the answer
    must be Jinja's own (an attribute first, then the key, then an undefined)."""
    obj = kind(keys)
    if kind is _WithAttributes:
        for attribute, value in attributes.items():
            setattr(obj, attribute, value)
    fast = Trusted().getattr(obj, name)
    slow = jinja2.Environment().getattr(obj, name)
    if isinstance(slow, jinja2.Undefined):
        assert isinstance(fast, jinja2.Undefined)
    else:
        assert fast == slow


def test_trusted_calls_pass_the_context_only_where_jinja_would(tmp_path: Path) -> None:
    """Trusted calls a built-in type's method straight away; anything else as Jinja does."""
    theme = write_tree(
        tmp_path / "theme",
        {
            "_layout.html": (
                "{% set top = 1 %}{{ d.get('k') }} {{ 'ab'.upper() }} {{ who() }}"
                "{% block b %}{% set inner = 2 %}{{ d.get('k', inner) }} {{ who() }}{% endblock %}"
            )
        },
    )

    @jinja2.pass_context
    def who(context: jinja2.runtime.Context) -> str:
        return ",".join(sorted(k for k in ("top", "inner") if k in context))

    templates = Templates([TemplateRoot(theme, "themes/t/", trusted=True)], globals={"who": who})
    assert templates.render("_layout.html", {"d": {"k": "v"}}) == "v AB topv inner,top"
