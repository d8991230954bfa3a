from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sitegen.cli.publish import publish
from sitegen.cli.schedule import status
from sitegen.cli.target import rollback, verify
from tests.publish.helpers import write_tree
from tests.webdav.webdav_servers import NEXTCLOUD_ROOT, PASSWORD, USER, serve_wsgi, wsgidav_app

SITE: dict[str, str | bytes] = {
    "sitegen.toml": 'title = "T"\n',
    "index.md": "---\ntitle: Home\n---\n# Hello\n",
    "about.md": "---\ntitle: About\n---\nAbout us.\n",
}


def run(cmd: click.Command, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cmd, list(args))
    return r.exit_code, r.output


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SITEGEN_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_publish_dry_run_publish_verify_rollback(tmp_path: Path, state: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    www = tmp_path / "www"
    code, out = run(publish, str(site), "--to", str(www), "--dry-run")
    assert code == 0, out
    assert "dry run: nothing was written" in out and not www.exists()
    code, out = run(publish, str(site), "--to", str(www))
    assert code == 0, out
    assert "published to" in out and (www / "current/index.html").is_file()
    (site / "index.md").write_text("---\ntitle: Home\n---\n# Hello again\n")
    assert run(publish, str(site), "--to", str(www))[0] == 0
    code, out = run(verify, str(www))
    assert code == 0 and "the log chain holds" in out
    code, out = run(rollback, str(www))
    assert code == 0 and "current -> releases/" in out
    (www / "current/index.html").write_text("defaced")
    code, out = run(verify, str(www))
    assert code == 1 and "index.html: changed since it was published" in out
    assert run(status)[1].strip() == "no scheduled publishes have run yet"


def test_named_targets_only_from_a_deploy_file(tmp_path: Path, state: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    code, out = run(publish, str(site), "--to", "prod")
    assert code == 1 and "a named target needs --deploy FILE" in out
    deploy = tmp_path / "deploy.toml"
    deploy.write_text(
        f'[targets.prod]\nto = "{tmp_path / "www"}"\nmode = "sync"\n'
        'keep = ["google*.html"]\nmax_delete = "10%"\n'
    )
    code, out = run(publish, str(site), "--to", "prod", "--deploy", str(deploy))
    assert code == 0, out
    assert (tmp_path / "www/index.html").is_file()  # sync mode: no releases/
    code, out = run(publish, str(site), "--to", "staging", "--deploy", str(deploy))
    assert code == 1 and "no target named 'staging' (known: prod)" in out


def test_a_build_error_leaves_the_published_site_intact(tmp_path: Path, state: Path) -> None:
    site = write_tree(tmp_path / "site", SITE)
    www = tmp_path / "www"
    assert run(publish, str(site), "--to", str(www))[0] == 0
    before = (www / "current/index.html").read_bytes()
    (site / "broken.md").write_text("---\ntitle: [unclosed\n---\nx\n")
    (site / "index.md").write_text("changed")
    code, out = run(publish, str(site), "--to", str(www))
    assert code == 1 and "broken.md" in out
    assert (www / "current/index.html").read_bytes() == before


def test_a_one_shot_publish_syncs_without_a_separate_fingerprint_request(
    tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source's root ETag for the log record comes from the sync's own listing."""
    from sitegen.publish.manifest import LOG_PATH
    from sitegen.publish.record import Record
    from sitegen.run import RunSettings, TargetSettings, run_pipeline

    monkeypatch.setenv("SITEGEN_PASSWORD", PASSWORD)
    (tmp_path / "dav").mkdir()
    write_tree(tmp_path / "dav/src", SITE)
    with serve_wsgi(wsgidav_app(tmp_path / "dav", nextcloud_like=True)) as server:  # folder ETags
        base = server.base.removeprefix("http://")
        url = f"nextcloud+http://{USER}@{base}/src"
        www = tmp_path / "www"
        run_pipeline(
            RunSettings(
                url,
                TargetSettings(str(www)),
                user=USER,
                cache_dir=tmp_path / "mirror",
                state_dir=state,
            )
        )
        log = server.log
    root = f"{NEXTCLOUD_ROOT}/src"
    stats = [p for m, p in log.entries if m == "PROPFIND" and p.rstrip("/") == root]
    assert len(stats) == 2  # the sync's stat of the root and its listing; no fingerprint call
    record = Record.from_line((www / LOG_PATH).read_bytes())
    assert record.source  # the root ETag the sync listed
