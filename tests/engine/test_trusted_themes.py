"""The themes shipped with sitegen run outside Jinja2's sandbox; a site's own templates, and a
site's copy of a theme's partial included by the shipped theme, stay inside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
