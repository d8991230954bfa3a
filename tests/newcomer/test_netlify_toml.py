"""netlify.toml's build command, run as Netlify runs it (bash, in the repository's base folder,
with the site's environment variables): it builds the Nextcloud folder named by SITEGEN_SOURCE
with the password from SITEGEN_PASSWORD, and the bundled example without them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tests.webdav.webdav_servers import PASSWORD, USER, serve_wsgi, wsgidav_app

ROOT = Path(__file__).resolve().parents[2]
INSTALL = "pip install . && "


def build_command() -> str:
    doc = tomllib.loads((ROOT / "netlify.toml").read_text())
    assert doc["build"]["publish"] == "public"
    command: str = doc["build"]["command"]
    assert command.startswith(INSTALL)  # the install itself is the one step not run here
    return command.removeprefix(INSTALL)


def netlify_build(base: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SITEGEN_")}
    return subprocess.run(
        ["bash", "-c", build_command()],
        cwd=base,
        env={**clean, "PATH": path, "HOME": str(base / "home"), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_netlify_builds_the_nextcloud_folder_from_its_environment(tmp_path: Path) -> None:
    dav = tmp_path / "dav" / "Website"
    dav.mkdir(parents=True)
    (dav / "sitegen.toml").write_text('title = "From Nextcloud"\n')
    (dav / "index.md").write_text("# Hello from the Nextcloud folder\n")
    base = tmp_path / "repo"
    base.mkdir()
    with serve_wsgi(wsgidav_app(tmp_path / "dav", nextcloud_like=True)) as server:
        host = server.base.removeprefix("http://")
        source = f"nextcloud+http://{USER}@{host}/Website"
        r = netlify_build(base, {"SITEGEN_SOURCE": source, "SITEGEN_PASSWORD": PASSWORD})
    assert r.returncode == 0, r.stderr
    assert "Hello from the Nextcloud folder" in (base / "public/index.html").read_text()
    assert PASSWORD not in r.stdout + r.stderr


def test_a_wrong_password_fails_the_netlify_build_without_showing_it(tmp_path: Path) -> None:
    (tmp_path / "dav" / "Website").mkdir(parents=True)
    base = tmp_path / "repo"
    base.mkdir()
    with serve_wsgi(wsgidav_app(tmp_path / "dav", nextcloud_like=True)) as server:
        host = server.base.removeprefix("http://")
        source = f"nextcloud+http://{USER}@{host}/Website"
        r = netlify_build(base, {"SITEGEN_SOURCE": source, "SITEGEN_PASSWORD": "wrong-one"})
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and "wrong-one" not in r.stderr
    assert not (base / "public").exists()


def test_without_a_source_netlify_builds_the_bundled_example(tmp_path: Path) -> None:
    base = tmp_path / "repo"
    shutil.copytree(ROOT / "content-example", base / "content-example")
    r = netlify_build(base, {})
    assert r.returncode == 0, r.stderr
    assert (base / "public/index.html").is_file()
