"""The preview over plain HTTP: clean URLs, the 404 page, content types, no-store, paths that try
to leave the output, injection only into HTML responses, and requests that wait for a build."""

from __future__ import annotations

import http.client
import threading
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from sitegen.sources.memory import MemorySource
from tests.trees import write_tree

from .conftest import SITE, GatedBuilder, StartPreview

MARK = b'id="sitegen-live"'


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET with the path exactly as given (httpx would normalise `..` away)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_clean_urls_404_types_and_no_store(site: Path, start_preview: StartPreview) -> None:
    run = start_preview()
    with httpx.Client(base_url=run.url) as c:
        home = c.get("/")
        assert home.status_code == 200 and b"Welcome home" in home.content
        slash = c.get("/about/")
        assert slash.status_code == 200 and b"About us" in slash.content
        bare = c.get("/about?x=1")
        assert bare.status_code == 307 and bare.headers["location"] == "/about/?x=1"
        assert c.get("/about", follow_redirects=True).content == slash.content

        missing = c.get("/no/such/page")
        assert missing.status_code == 404
        assert b"Nothing to see here" in missing.content and MARK in missing.content

        types = {
            "/": "text/html; charset=utf-8",
            "/css/site.css": "text/css; charset=utf-8",
            "/notes.txt": "text/plain; charset=utf-8",
            "/img/dot.svg": "image/svg+xml; charset=utf-8",
        }
        for path, kind in types.items():
            r = c.get(path)
            assert r.status_code == 200, path
            assert r.headers["content-type"] == kind, path
        for r in (home, bare, missing, c.get("/css/site.css"), c.post("/")):
            assert r.headers["cache-control"] == "no-store", r.url
        assert c.head("/about/").status_code == 200


def test_injection_only_into_html_responses(site: Path, start_preview: StartPreview) -> None:
    run = start_preview()
    with httpx.Client(base_url=run.url) as c:
        page = c.get("/about/").content
        assert page.count(MARK) == 1
        assert page.index(MARK) < page.rindex(b"</body>")  # before </body>, not after it
        for path in ("/css/site.css", "/notes.txt", "/img/dot.svg"):
            assert MARK not in c.get(path).content, path
    out = run.preview.out_dir
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and not [p for p in files if b"sitegen-live" in p.read_bytes()]


def test_paths_outside_the_output_get_404(site: Path, start_preview: StartPreview) -> None:
    run = start_preview()
    out = run.preview.out_dir
    secret = out.parent / "secret.txt"
    secret.write_text("SECRET")
    (out / "escape").symlink_to(out.parent, target_is_directory=True)
    (out / "leak.txt").symlink_to(secret)
    attempts = [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/css/..%2f..%2fsecret.txt",
        "/./../secret.txt",
        "/escape/secret.txt",
        "/leak.txt",
        "/..\\secret.txt",
    ]
    for path in attempts:
        status, body = raw_get(run.url, path)
        assert status == 404, path
        assert b"SECRET" not in body and b"root:" not in body, path
    assert raw_get(run.url, "/css/site.css")[0] == 200


def test_a_site_under_a_sub_folder(tmp_path: Path, start_preview: StartPreview) -> None:
    files = {**SITE, "sitegen.toml": 'title = "Sub"\nbase_url = "https://example.org/blog/"\n'}
    run = start_preview(site_dir=write_tree(tmp_path / "site", files))
    assert urlsplit(run.url).path == "/blog/"
    origin = run.origin
    with httpx.Client(base_url=origin) as c:
        assert b"About us" in c.get("/blog/about/").content
        assert b'href="/blog/css/site.css"' in c.get("/blog/").content
        assert c.get("/blog/css/site.css").status_code == 200
        assert c.get("/").headers["location"] == "/blog/"
        assert c.get("/blog").headers["location"] == "/blog/"
        assert c.get("/about/").status_code == 404


def test_requests_during_a_build_wait_for_it(site: Path, start_preview: StartPreview) -> None:
    gated: list[GatedBuilder] = []

    def wrap(builder: object) -> GatedBuilder:
        g = GatedBuilder(builder)  # type: ignore[arg-type]
        gated.append(g)
        return g

    run = start_preview(wrap=wrap)
    gate = gated[0]
    gate.gate.clear()
    gate.entered.clear()
    (site / "about.md").write_text("---\ntitle: About\n---\n# About us\n\nThe second version.\n")
    run.preview.queue.request({"about.md"})  # type: ignore[union-attr]
    assert gate.entered.wait(10), "no build started"

    got: list[bytes] = []
    done = threading.Event()

    def fetch() -> None:
        got.append(httpx.get(run.url + "about/", timeout=30).content)
        done.set()

    threading.Thread(target=fetch, daemon=True).start()
    assert not done.wait(0.5), "a request was answered while the build was running"
    gate.gate.set()
    assert done.wait(15)
    assert b"The second version." in got[0]


def test_a_burst_of_saves_is_one_rebuild(site: Path, start_preview: StartPreview) -> None:
    run = start_preview()
    first = run.builds()
    for i in range(5):
        run.write("about.md", f"---\ntitle: About\n---\n# About us\n\nVersion {i}.\n")
    run.wait_for(lambda: b"Version 4." in httpx.get(run.url + "about/").content, what="rebuild")
    assert run.builds() - first <= 2  # watchfiles may split a burst once at most


def test_a_build_error_is_reported_and_never_stops_the_server(
    site: Path, start_preview: StartPreview
) -> None:
    run = start_preview()
    good = (site / "_layout.html").read_text()
    run.write("_layout.html", good.replace("<main>{{ content }}</main>", "<main>{% if %}</main>"))
    run.wait_for(lambda: any("build failed" in line for line in run.lines), what="failure")
    text = "\n".join(run.lines)
    assert "_layout.html:4: " in text
    page = httpx.get(run.url + "about/").content
    assert b"About us" in page  # the last good build
    assert b'id="sitegen-error"' in page and b"_layout.html:4" in page
    missing = httpx.get(run.url + "nope")
    assert missing.status_code == 404 and b'id="sitegen-error"' in missing.content
    run.write("_layout.html", good)
    run.wait_for(
        lambda: b'id="sitegen-error"' not in httpx.get(run.url + "about/").content, what="the fix"
    )


def test_a_remote_source_is_polled_and_rebuilt_on_change(
    tmp_path: Path, start_preview: StartPreview
) -> None:
    """The preview's remote path, with the in-memory twin of a remote source."""
    source = MemorySource(tmp_path / "mirror", SITE)
    run = start_preview(source, poll=0.05)
    assert source.syncs == 1 and run.preview.watcher is None
    assert b"The first version." in httpx.get(run.url + "about/").content
    poller = run.preview.poller
    assert poller is not None
    run.wait_for(lambda: poller.polls >= 3, what="three polls")
    assert source.syncs == 1  # nothing changed: no sync
    source.files["about.md"] = b"---\ntitle: About\n---\n# About us\n\nEdited remotely.\n"
    run.wait_for(
        lambda: b"Edited remotely." in httpx.get(run.url + "about/").content, what="rebuild"
    )
    assert source.syncs == 2
    run.preview.close()
    assert source.closed


def test_an_offline_remote_source_is_neither_synced_nor_polled(
    tmp_path: Path, start_preview: StartPreview
) -> None:
    source = MemorySource(write_tree(tmp_path / "mirror", SITE), SITE, offline=True)
    run = start_preview(source)
    assert source.syncs == 0 and source.checks == 0
    assert (run.preview.poller, run.preview.watcher) == (None, None)
    assert b"The first version." in httpx.get(run.url + "about/").content


@pytest.mark.parametrize(
    "value, seconds", [("5s", 5.0), ("500ms", 0.5), ("2m", 120.0), ("1.5", 1.5)]
)
def test_poll_durations(value: str, seconds: float) -> None:
    from sitegen.cli.serve import parse_duration

    assert parse_duration(value) == seconds


def test_cli_rejects_a_bad_poll_interval() -> None:
    from click.testing import CliRunner

    from sitegen.cli.serve import serve

    result = CliRunner().invoke(serve, ["--poll", "soon", "."])
    assert result.exit_code == 2 and "is not a duration" in result.output
