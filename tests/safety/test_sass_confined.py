"""Sass reads files only inside the site and its themes; a refusal never shows the file's bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from tests.trees import snapshot, write_tree

SECRET = "root:x:0:0:SECRET-BYTES\n"


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    write_tree(
        tmp_path,
        {
            "secret": SECRET,
            "_secret.scss": SECRET,
            "site/_layout.html": "{{ content }}",
            "site/index.md": "x",
            "site/_sass/_ok.scss": "$c: red;\n",
            "site/css/_local.scss": "$d: blue;\n",
        },
    )
    os.symlink(tmp_path / "secret", tmp_path / "site/css/_linked.scss")
    return tmp_path


def build(tmp: Path, scss: str) -> tuple[int, str, dict[str, bytes]]:
    (tmp / "site/css").mkdir(exist_ok=True)
    (tmp / "site/css/site.scss").write_text(scss)
    before = snapshot(tmp)
    r = CliRunner().invoke(main, ["build", str(tmp / "site"), "-o", str(tmp / "out")])
    assert "SECRET-BYTES" not in r.output and "Traceback" not in r.output
    if r.exit_code:
        assert snapshot(tmp) == {**before}
    return r.exit_code, r.output, before


@pytest.mark.parametrize(
    "target, message",
    [
        (str(Path("/etc/passwd")), "@import '/etc/passwd' is outside the site and its themes"),
        ("{tmp}/secret", "@import '{tmp}/secret' is outside the site and its themes"),
        ("../../secret", "@import '../../secret' is outside the site and its themes"),
        ("../../_secret.scss", "@import '../../_secret.scss' is outside the site and its themes"),
        ("linked", "@import 'linked' is outside the site and its themes"),
        ("nothere", "file to import not found: 'nothere'"),
    ],
)
def test_imports_outside_the_site_are_refused(tmp: Path, target: str, message: str) -> None:
    target, message = target.format(tmp=tmp), message.format(tmp=tmp)
    code, output, _ = build(tmp, f'@import "ok";\n\n@import "{target}";\n')
    assert (code, output) == (1, f"css/site.scss:3: sass: {message}\nbuild failed: 1 error\n")
    assert not (tmp / "out").exists()


def test_imports_inside_the_site_and_plain_css_imports_work(tmp: Path) -> None:
    scss = '@import "ok", "local", "x.css", "https://e.org/a.css";\na { color: $c; b: $d; }\n'
    code, output, _ = build(tmp, scss)
    assert code == 0, output
    css = (tmp / "out/css/site.css").read_text()
    assert "color: red;" in css and "b: blue;" in css
    assert '@import url(x.css);\n@import "https://e.org/a.css";' in css
