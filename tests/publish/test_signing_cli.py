"""`sitegen key`, `sitegen verify --key` and `--file` on a web root published by the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sitegen.cli.publish import publish
from sitegen.cli.target import key, verify
from sitegen.publish.manifest import LOG_PATH
from sitegen.publish.record import Record
from tests.publish.helpers import write_tree

SITE: dict[str, str | bytes] = {
    "sitegen.toml": 'title = "T"\n',
    "index.md": "---\ntitle: Home\n---\n# Hello\n",
    "about.md": "---\ntitle: About\n---\nAbout us.\n",
}


def run(cmd: click.Command, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cmd, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SITEGEN_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def www(tmp_path: Path, state: Path) -> Path:
    site = write_tree(tmp_path / "site", SITE)
    www = tmp_path / "www"
    assert run(publish, str(site), "--to", str(www), "--dry-run")[0] == 0
    assert not (state / "signing-key.pem").exists()  # a dry run signs nothing
    assert run(publish, str(site), "--to", str(www))[0] == 0
    (site / "index.md").write_text("---\ntitle: Home\n---\n# Hello again\n")
    assert run(publish, str(site), "--to", str(www))[0] == 0
    return www


def test_publish_signs_with_a_key_made_on_first_use(www: Path, state: Path) -> None:
    pem = state / "signing-key.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    code, pub, err = run(key)
    assert code == 0 and len(pub.strip()) == 44 and "PRIVATE" not in pub + err
    assert err.startswith("key id ") and str(pem) in err
    code, out, _ = run(verify, str(www), "--key", pub.strip())
    assert code == 0, out
    assert out.strip().endswith("the log chain holds; every record is signed by key " + err[7:23])


def test_verify_names_a_tampered_record_and_exits_1(www: Path, state: Path) -> None:
    pub = run(key)[1].strip()
    log = www / LOG_PATH
    lines = log.read_bytes().splitlines()
    doc = json.loads(lines[1])
    doc["source"] = "forged"
    lines[1] = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    log.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = run(verify, str(www), "--key", pub)
    assert code == 1
    assert out == (
        ".sitegen/publish-log.jsonl:2: record 2: bad signature: changed after it was signed\n"
    )
    assert err == f"verify failed: 1 problem(s) on {www}\n"


def test_verify_file_prints_a_proof(www: Path, state: Path, tmp_path: Path) -> None:
    pub = run(key)[1].strip()
    (tmp_path / "publisher.pub").write_text(pub + "\n")
    code, out, _ = run(
        verify, str(www), "--key", str(tmp_path / "publisher.pub"), "--file", "/index.html"
    )
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "index.html: its last 1 publish(es) of at most 10, newest first"
    rec = Record.from_line((www / LOG_PATH).read_bytes().splitlines()[1])
    assert rec.delta is not None
    sha = rec.delta.files["index.html"].sha256
    assert lines[1] == f"  record 2  {rec.time}  published  sha256 {sha}  verified"
    code, out, err = run(verify, str(www), "--key", pub, "--file", "nope.html")
    assert (code, out, err) == (1, "", f"{www}: nope.html: not in the publish log\n")


def test_verify_file_refuses_another_key_and_needs_a_key(www: Path, tmp_path: Path) -> None:
    other = run(key, "--signing-key", str(tmp_path / "other.pem"))[1].strip()
    code, out, err = run(verify, str(www), "--key", other, "--file", "index.html")
    assert code == 1 and "NOT verified: record 2: signed by another key" in out
    assert "verify failed: index.html is not vouched for by key" in err
    code, out, err = run(verify, str(www), "--file", "index.html")
    assert (code, err) == (1, "error: --file needs --key: a proof is only as good as the key\n")
    code, out, err = run(verify, str(www), "--key", "garbage")
    assert code == 1 and err.startswith("error: --key: not a public key")
