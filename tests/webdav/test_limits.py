"""A hostile server cannot fill the disk, hang a sync, or plant names the file system cannot hold:
`sitegen sync` stops with one clear message naming the remote path, exits 1, and leaves the
mirror (and a previous build) exactly as they were. Served for real by cheroot (hostile_app)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner, Result
from hostile_app import ROOT, Entry, HostileApp, oversized, trickle
from hypothesis import given, settings
from hypothesis import strategies as st
from webdav_servers import RunningServer, serve_wsgi

from sitegen.cli import main
from sitegen.sources.limits import SyncLimits, name_problem, parse_seconds, parse_size


@pytest.fixture
def app() -> HostileApp:
    return HostileApp()


@pytest.fixture
def server(app: HostileApp) -> Iterator[RunningServer]:
    with serve_wsgi(app) as srv:
        yield srv


class Mirror:
    """A mirror synced once from a good server state, and how to sync it again."""

    def __init__(self, app: HostileApp, server: RunningServer, cache: Path) -> None:
        self.app, self.server, self.cache = app, server, cache
        self.port = server.base.rsplit(":", 1)[1]
        self.label = f"nextcloud+http://alice@127.0.0.1:{self.port}/Website"
        self.host = f"127.0.0.1:{self.port}"

    def sync(self, *options: str) -> Result:
        args = ["sync", self.label, "--cache", str(self.cache), *options]
        return CliRunner().invoke(main, args)

    def snapshot(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.cache).as_posix(): p.read_bytes()
            for p in sorted(self.cache.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def mirror(app: HostileApp, server: RunningServer, tmp_path: Path) -> Mirror:
    app.entries = [Entry(ROOT + "a.md", size=3, etag="v1")]
    app.files = {ROOT + "a.md": b"old"}
    m = Mirror(app, server, tmp_path / "cache")
    first = m.sync()
    assert first.exit_code == 0, first.output
    return m


def refused(m: Mirror, message: str, *options: str) -> None:
    """The sync fails with exactly `message`, exit 1, and the mirror is as it was."""
    before = m.snapshot()
    assert before["site/a.md"] == b"old"
    run = m.sync(*options)
    assert (run.exit_code, run.output) == (1, f"error: {message}\n")
    assert "Traceback" not in run.output
    assert m.snapshot() == before
    assert not (m.cache / "staging").exists()


def test_a_body_larger_than_listed_stops_at_once(mirror: Mirror) -> None:
    sent: list[int] = []

    def counted() -> Iterator[bytes]:
        for chunk in oversized(300 * 1024 * 1024)():
            sent.append(len(chunk))
            yield chunk

    mirror.app.entries.append(Entry(ROOT + "big.md", size=10))
    mirror.app.streams = {ROOT + "big.md": counted}
    refused(
        mirror,
        f"GET big.md on {mirror.host}: the body is larger than 10 bytes "
        "(the size the listing gave); stopped reading",
    )
    assert sum(sent) < 50 * 1024 * 1024  # not the 300 MB: the connection was dropped


def test_a_body_without_a_listed_size_stops_at_the_size_limit(mirror: Mirror) -> None:
    mirror.app.entries.append(Entry(ROOT + "big.md", size=None))
    mirror.app.streams = {ROOT + "big.md": oversized(10 * 1024 * 1024)}
    refused(
        mirror,
        f"GET big.md on {mirror.host}: the body is larger than 997 bytes "
        "(the space left in the limit); stopped reading",
        "--limit",
        "size=1000",
    )


def test_the_listed_sizes_must_fit_the_size_limit(mirror: Mirror) -> None:
    mirror.app.entries.append(Entry(ROOT + "b.md", size=2000))
    refused(
        mirror,
        f"{mirror.label}: the listed files add up to 2003 bytes, more than the 1000 bytes a "
        "mirror may hold (--limit size=SIZE)",
        "--limit",
        "size=1kB",
    )
    assert mirror.server.log.count("GET") == 1  # the first sync's; nothing was downloaded


def test_a_trickling_body_hits_the_request_limit(mirror: Mirror) -> None:
    mirror.app.entries.append(Entry(ROOT + "slow.md", size=100_000))
    mirror.app.streams = {ROOT + "slow.md": trickle()}
    refused(
        mirror,
        f"GET slow.md on {mirror.host}: not finished within 0.5 s, the limit for one request",
        "--limit",
        "request=500ms",
    )


def test_a_trickling_body_hits_the_sync_limit(mirror: Mirror) -> None:
    mirror.app.entries.append(Entry(ROOT + "slow.md", size=100_000))
    mirror.app.streams = {ROOT + "slow.md": trickle()}
    refused(
        mirror,
        f"GET slow.md on {mirror.host}: the time limit of the whole sync was reached",
        "--limit",
        "sync=1s",
    )


def test_an_endless_folder_tree_stops_at_the_depth_limit(mirror: Mirror) -> None:
    mirror.app.endless_tree = True
    refused(mirror, f"{mirror.label}{'/d' * 33}: more than 32 folders deep (--limit depth=N)")
    assert mirror.server.log.count("PROPFIND") < 40


def test_too_many_entries(mirror: Mirror) -> None:
    mirror.app.entries += [Entry(ROOT + f"f{i}.md", size=1) for i in range(5)]
    refused(
        mirror,
        f"{mirror.label}/f2.md: more than 3 files and folders (--limit entries=N)",
        "--limit",
        "entries=3",
    )


LONG = "a" * 300 + ".md"


@pytest.mark.parametrize(
    "name,problem",
    [
        (LONG, "a name of 303 bytes (at most 255)"),
        ("é" * 128, "a name of 256 bytes (at most 255)"),
        ("a\x01b.md", "a name containing the control character '\\x01'"),
        ("tab\t.md", "a name containing the control character '\\t'"),
        ("a\x85b.md", "a name containing the control character '\\x85'"),
    ],
    ids=["300 bytes", "256 bytes of é", "\\x01", "tab", "NEL"],
)
def test_names_the_file_system_cannot_hold_are_refused(
    mirror: Mirror, name: str, problem: str
) -> None:
    mirror.app.entries.append(Entry(ROOT + quote(name), size=1))
    mirror.app.files[ROOT + quote(name)] = b"x"
    shown = f"{mirror.label}/{name}"
    if len(name) > 80:
        shown = f"{mirror.label}/{name[:79]}…"
    refused(mirror, f"{shown}: refusing {problem}")


def test_a_very_long_path_is_refused(mirror: Mirror) -> None:
    deep = "/".join(["b" * 200] * 6) + "/x.md"
    mirror.app.entries.append(Entry(ROOT + deep, size=1))
    refused(mirror, f"{mirror.label}/{deep[:79]}…: a path of 1210 bytes (at most 1024)")


def test_a_failed_sync_leaves_the_previous_build_alone(mirror: Mirror, tmp_path: Path) -> None:
    mirror.app.entries = [Entry(ROOT + "index.md", size=6)]
    mirror.app.files = {ROOT + "index.md": b"# Home"}
    out = tmp_path / "public"
    args = ["build", mirror.label, "-o", str(out), "--cache", str(mirror.cache)]
    assert CliRunner().invoke(main, args).exit_code == 0
    built = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    mirror.app.entries.append(Entry(ROOT + quote(LONG), size=1))
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 1
    assert run.output.endswith("refusing a name of 303 bytes (at most 255)\n")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == built


def test_bad_limit_settings(mirror: Mirror) -> None:
    cases = {
        "size=lots": "--limit size=lots: 'lots' is not a size (like 500MB or 2GB)",
        "speed=1": "--limit speed=1: unknown limit (known: size, request, sync, depth, entries)",
        "depth=0": "--limit depth=0: must be more than zero",
        "entries=1.5": "--limit entries=1.5: '1.5' is not a whole number",
    }
    for setting, message in cases.items():
        run = mirror.sync("--limit", setting)
        assert (run.exit_code, run.output) == (1, f"error: {message}\n")


def test_limit_settings_parse() -> None:
    assert parse_size("2GB") == 2_000_000_000 and parse_size("1GiB") == 1024**3
    assert parse_size("500") == 500 and parse_size("1.5kB") == 1500
    assert parse_seconds("500ms") == 0.5 and parse_seconds("5m") == 300
    assert parse_seconds("1h") == 3600 and parse_seconds("7") == 7
    limits = SyncLimits().with_settings(["size=1MiB", "request=10s", "depth=4"])
    assert (limits.max_bytes, limits.request_seconds, limits.max_depth) == (1024**2, 10.0, 4)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_every_accepted_name_can_be_written(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    if name_problem(name) is not None:
        return
    folder = tmp_path_factory.mktemp("names")
    path = folder / name
    path.write_bytes(b"x")
    assert os.listdir(folder) == [name]
