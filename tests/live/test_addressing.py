"""Addressing a Nextcloud: under a sub-path, by the Files app's WebDAV address, by a login name
that is not the user ID; and the one-line errors for a wrong folder, sub-path or host."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.errors import SourceError
from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation

from .conftest import FakeNextcloud
from .imitation import EMAIL, PASSWORD, ws


def source(spec: str, cache: Path) -> RemoteSource:
    location = parse_location(spec)
    assert isinstance(location, RemoteLocation)
    return RemoteSource(location, cache_dir=cache)


def test_sub_path_forms() -> None:
    loc = parse_location("nextcloud://alice@cloud.example.com/nextcloud:/Web site")
    assert isinstance(loc, RemoteLocation)
    assert (
        loc.root_url == "https://cloud.example.com/nextcloud/remote.php/dav/files/alice/Web%20site/"
    )
    assert loc.server_url == "https://cloud.example.com/nextcloud"
    assert loc.label == "nextcloud://alice@cloud.example.com/nextcloud:/Web%20site"
    pasted = parse_location(
        "nextcloud://cloud.example.com/nextcloud/remote.php/dav/files/alice/Web%20site/"
    )
    assert pasted == loc
    root = parse_location("nextcloud://alice@cloud.example.com/apps/nc:")
    assert isinstance(root, RemoteLocation)
    assert (root.base, root.folder) == (("apps", "nc"), ())
    colon = parse_location("nextcloud://alice@cloud.example.com/Notes%3A/x")
    assert isinstance(colon, RemoteLocation)
    assert (colon.base, colon.folder) == ((), ("Notes:", "x"))
    plain = parse_location("webdav+https://host/a:/b")  # only nextcloud:// has a sub-path
    assert isinstance(plain, RemoteLocation) and plain.folder == ("a:", "b")


def test_a_pasted_address_of_another_user_is_refused() -> None:
    with pytest.raises(SourceError) as info:
        parse_location("nextcloud://bob@host/remote.php/dav/files/alice/Site")
    assert str(info.value) == (
        "nextcloud://host: the WebDAV path holds the files of alice, but the user is given as bob"
    )


names = st.lists(
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="/\\\x00"), min_size=1)
    .filter(lambda s: s not in (".", ".."))
    .map(lambda s: s.strip() or "x"),
    max_size=3,
)


@given(base=names, folder=names, user=st.sampled_from(["alice", "alice@example.com", "a b"]))
def test_the_label_parses_back_to_the_same_location(
    base: list[str], folder: list[str], user: str
) -> None:
    loc = RemoteLocation("nextcloud", "https", "host", None, user, tuple(folder), tuple(base))
    assert parse_location(loc.label) == loc


def test_a_nextcloud_under_a_sub_path_syncs(fake_nc: FakeNextcloud, tmp_path: Path) -> None:
    result = source(fake_nc.spec(), tmp_path / "c").sync()
    assert result.changes.added == ("about.md", "index.md", "sitegen.toml")
    pasted = (
        f"nextcloud+http://127.0.0.1:{fake_nc.port}/nextcloud/remote.php/dav/files/alice/Website"
    )
    assert source(pasted, tmp_path / "d").sync().changes.added == result.changes.added


def test_an_email_login_is_resolved_to_the_user_id_once(
    fake_nc: FakeNextcloud, tmp_path: Path, settle_at_once: None
) -> None:
    src = source(fake_nc.spec(user=EMAIL), tmp_path / "c")
    assert src.sync().changes.added == ("about.md", "index.md", "sitegen.toml")
    assert src.sync().changes.empty  # confirms the folders it had just seen change
    assert src.fingerprint() is not None
    paths = [p for _, p in fake_nc.server.log.entries]
    assert [p for p in paths if "/ocs/" in p] == ["/nextcloud/ocs/v2.php/cloud/user?format=json"]
    assert all("/files/alice/Website" in p for p in paths if "/remote.php/" in p)


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_a_wrong_folder_names_the_url_and_folder(fake_nc: FakeNextcloud, tmp_path: Path) -> None:
    spec = fake_nc.spec("Nope")
    code, out = run_cli("sync", "--cache", str(tmp_path / "c"), spec)
    assert (code, out) == (
        1,
        f"error: {spec}: there is no folder /Nope of alice at "
        f"http://127.0.0.1:{fake_nc.port}/nextcloud (HTTP 404)\n",
    )
    assert not (tmp_path / "c" / "index.json").exists()


def test_a_wrong_sub_path_says_there_is_no_nextcloud_there(
    fake_nc: FakeNextcloud, tmp_path: Path
) -> None:
    spec = fake_nc.spec(prefix="cloud")
    code, out = run_cli("build", "--cache", str(tmp_path / "c"), spec, "-o", str(tmp_path / "o"))
    assert (code, out) == (
        1,
        f"error: {spec}: there is no Nextcloud at http://127.0.0.1:{fake_nc.port}/cloud "
        "(no status.php there); if it is installed under a sub-path, write "
        "nextcloud://USER@HOST/SUB/PATH:/FOLDER\n",
    )
    assert PASSWORD not in out and not (tmp_path / "o").exists()


def test_a_wrong_host_names_the_url(tmp_path: Path) -> None:
    port = ws.free_port()
    spec = f"nextcloud+http://alice@127.0.0.1:{port}/nc:/Website"
    code, out = run_cli("sync", "--cache", str(tmp_path / "c"), spec)
    assert code == 1
    assert out.startswith(
        f"error: {spec}: connection failed to http://127.0.0.1:{port}/nc (ConnectError: "
    )
    assert out.count("\n") == 1 and PASSWORD not in out
