"""`sitegen build SOURCE` straight from a WebDAV / Nextcloud folder, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REAL_SERVER_KINDS, Remote

from sitegen.cli import main

SITE = {
    "_layout.html": "<main>{{ content }}</main>",
    "index.md": "Home of [the team](about.md).",
    "about.md": "We are three.",
    "css/site.scss": "$c: #123;\np { color: $c; }\n",
}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("remote", REAL_SERVER_KINDS, indirect=True)
def test_build_syncs_then_builds(remote: Remote, tmp_path: Path) -> None:
    write(remote.site, SITE)
    remote.edited()
    out, cache = tmp_path / "public", tmp_path / "cache"
    run = CliRunner().invoke(main, ["build", remote.spec, "-o", str(out), "--cache", str(cache)])
    assert run.exit_code == 0, run.output
    assert remote.password not in run.output
    assert (
        out / "index.html"
    ).read_text() == '<main><p>Home of <a href="/about/">the team</a>.</p>\n</main>'
    assert "color: #123" in (out / "css/site.css").read_text()

    (remote.site / "about.md").write_text("We are four now.")
    remote.edited()
    run = CliRunner().invoke(main, ["build", remote.spec, "-o", str(out), "--cache", str(cache)])
    assert run.exit_code == 0, run.output
    assert "four" in (out / "about/index.html").read_text()

    (remote.site / "about.md").write_text("Not synced.")
    run = CliRunner().invoke(
        main, ["build", remote.spec, "-o", str(out), "--cache", str(cache), "--offline"]
    )
    assert run.exit_code == 0, run.output
    assert "four" in (out / "about/index.html").read_text()


def test_bad_page_on_the_server_is_reported_at_its_line(remote: Remote, tmp_path: Path) -> None:
    write(remote.site, {**SITE, "about.md": "---\ntitle: [\n---\n"})
    out = tmp_path / "public"
    run = CliRunner().invoke(
        main, ["build", remote.spec, "-o", str(out), "--cache", str(tmp_path / "c")]
    )
    assert run.exit_code == 1
    assert "about.md:3: front matter: invalid YAML" in run.output
    assert not out.exists()
