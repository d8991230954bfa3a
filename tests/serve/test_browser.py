"""The preview in a real headless Chromium: edits reach the open page with no manual reload,
stylesheets swap in place, build errors show as an overlay, and remote changes arrive too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitegen.sources import RemoteSource, parse_location
from sitegen.sources.url import RemoteLocation
from sitegen.webdav import RetryPolicy
from tests.trees import write_tree

from .conftest import SITE, StartPreview

pytestmark = pytest.mark.browser

LONG = (
    "---\ntitle: Long\n---\n# A long page\n\n"
    + "\n\n".join(f"Paragraph {i}. " + "Words to fill the line. " * 12 for i in range(120))
    + "\n"
)


def open_live(page: Any, url: str) -> None:
    """Open a page and wait until its live-reload socket has said hello."""
    page.goto(url)
    page.wait_for_function("() => window.__sitegenConnected === true")
    page.evaluate("() => { window.__marker = 42; }")


def test_editing_markdown_changes_the_open_page(
    site: Path, start_preview: StartPreview, page: Any
) -> None:
    run = start_preview()
    open_live(page, run.url + "about/")
    assert page.text_content("main p") == "The first version."
    run.write("about.md", "---\ntitle: About\n---\n# About us\n\nThe second version.\n")
    page.wait_for_function(
        "() => document.querySelector('main p')?.textContent === 'The second version.'"
    )
    assert page.evaluate("() => window.__marker") is None  # it was a reload, done by the page


def test_editing_scss_swaps_the_stylesheet_without_a_navigation(
    site: Path, start_preview: StartPreview, page: Any
) -> None:
    run = start_preview()
    open_live(page, run.url + "about/")
    color = "() => getComputedStyle(document.querySelector('h1')).color"
    assert page.evaluate(color) == "rgb(10, 20, 30)"
    run.write("css/site.scss", "$accent: rgb(200, 0, 0);\nh1 { color: $accent; }\n")
    page.wait_for_function(f"() => ({color})() === 'rgb(200, 0, 0)'")
    assert page.evaluate("() => window.__marker") == 42  # same document: no reload happened
    assert page.evaluate("() => document.querySelectorAll('link[rel=stylesheet]').length") == 1


def test_a_broken_template_shows_the_overlay_and_the_fix_clears_it(
    site: Path, start_preview: StartPreview, page: Any
) -> None:
    run = start_preview()
    open_live(page, run.url + "about/")
    good = (site / "_layout.html").read_text()
    run.write("_layout.html", good.replace("<main>{{ content }}</main>", "<main>{% if %}</main>"))
    overlay = page.wait_for_selector("#sitegen-error", state="visible")
    text = overlay.text_content()
    assert "_layout.html:4" in text
    assert "template syntax" in text
    assert "{% if %}" in text  # the source excerpt
    assert page.evaluate("() => window.__marker") == 42  # pushed, not reloaded

    page.reload()  # a page loaded while the build is broken shows the overlay too
    page.wait_for_selector("#sitegen-error", state="visible")
    page.evaluate("() => { window.__marker = 43; }")

    run.write("_layout.html", good)
    page.wait_for_function("() => window.__marker === undefined")
    page.wait_for_load_state("load")
    assert page.query_selector("#sitegen-error") is None
    assert page.text_content("h1") == "About us"


def test_a_full_reload_keeps_the_scroll_position(
    site: Path, start_preview: StartPreview, page: Any
) -> None:
    run = start_preview()
    run.write("long.md", LONG)
    run.wait_for(lambda: (run.preview.out_dir / "long/index.html").exists(), what="long page")
    open_live(page, run.url + "long/")
    page.evaluate("() => window.scrollTo(0, 1500)")
    page.wait_for_function("() => window.scrollY === 1500")
    run.write("long.md", LONG.replace("# A long page", "# A longer page"))
    page.wait_for_function("() => document.querySelector('h1')?.textContent === 'A longer page'")
    page.wait_for_function("() => Math.abs(window.scrollY - 1500) < 2")


def test_the_page_reconnects_after_a_server_restart(
    site: Path, start_preview: StartPreview, page: Any
) -> None:
    first = start_preview()
    port = int(first.url.split(":")[2].split("/")[0])
    open_live(page, first.url + "about/")
    first.preview.close()
    (site / "about.md").write_text("---\ntitle: About\n---\n# About us\n\nAfter the restart.\n")
    start_preview(port=port)
    page.wait_for_function(
        "() => document.querySelector('main p')?.textContent === 'After the restart.'"
    )


# --- a remote source: the test WebDAV server (Nextcloud-like: folder ETags propagate) ----------


@pytest.fixture
def dav_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path, Any]]:
    import webdav_servers as ws  # type: ignore[import-not-found]  # tests/webdav, on sys.path

    monkeypatch.setenv("SITEGEN_PASSWORD", ws.PASSWORD)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    served = tmp_path / "served"
    site = write_tree(served / "Website", SITE)
    with ws.serve_wsgidav(served, nextcloud_like=True) as srv:
        port = srv.base.rsplit(":", 1)[1]
        yield f"nextcloud+http://{ws.USER}@127.0.0.1:{port}/Website", site, srv


def test_a_change_on_the_webdav_server_reaches_the_open_page(
    dav_site: tuple[str, Path, Any], tmp_path: Path, start_preview: StartPreview, page: Any
) -> None:
    spec, served, server = dav_site
    location = parse_location(spec)
    assert isinstance(location, RemoteLocation)
    retry = RetryPolicy(attempts=3, sleep=lambda s: None, jitter=lambda d: d)
    source = RemoteSource(location, cache_dir=tmp_path / "cache", jobs=2, retry=retry)
    run = start_preview(source, poll=0.2)
    open_live(page, run.url + "about/")
    assert page.text_content("main p") == "The first version."
    (served / "about.md").write_text("---\ntitle: About\n---\n# About us\n\nEdited in the cloud.\n")
    page.wait_for_function(
        "() => document.querySelector('main p')?.textContent === 'Edited in the cloud.'"
    )
    poller = run.preview.poller
    assert poller is not None and poller.polls >= 1

    # The folders that just changed are listed again until they settle (sources/settle.py);
    # then nothing changes: one request a poll (the root folder's ETag), no sync.
    run.wait_for(lambda: not source.mirror.unsettled(), what="the changed folders to settle")
    run.wait_for(lambda: poller.last is not None, what="a fingerprint again")
    requests, polls = server.log.count(), poller.polls
    run.wait_for(lambda: poller.polls >= polls + 3, what="three more polls")
    new_requests, new_polls = server.log.count(), poller.polls
    # (a poll may be counted while its request is still on the way: +-1)
    assert abs((new_requests - requests) - (new_polls - polls)) <= 1


def test_live_reload_works_under_the_host_guard_and_other_origins_get_nothing(
    site: Path, start_preview: StartPreview, page: Any
) -> None:
    run = start_preview()
    by_name = run.url.replace("127.0.0.1", "localhost")
    open_live(page, by_name + "about/")  # Host and Origin: localhost:PORT
    run.write("about.md", "---\ntitle: About\n---\n# About us\n\nReloaded by name.\n")
    page.wait_for_function(
        "() => document.querySelector('main p')?.textContent === 'Reloaded by name.'"
    )
    # This page's origin is http://localhost:PORT; a socket to 127.0.0.1 is another host's.
    other = by_name.replace("http://localhost", "ws://127.0.0.1") + "__sitegen/ws"
    outcome = page.evaluate(
        """(url) => new Promise((done) => {
            const ws = new WebSocket(url);
            ws.onmessage = () => done("message");
            ws.onclose = () => done("closed");
        })""",
        other,
    )
    assert outcome == "closed"
