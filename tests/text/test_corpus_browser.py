"""The corpus of pages written the way Nextcloud Text writes them (tests/text/corpus/), built
with the default theme and opened in headless Chromium: images load, links between pages by
path and file ID lead to pages that exist, anchors match headings, Text's blocks render.
Screenshots land in the test's temporary folder (`--basetemp` to keep them)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitegen.compiler.pipeline import BuildOptions, build_site
from tests.conftest import NOW
from tests.servers.static import serve_folder

pytestmark = pytest.mark.browser
CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    site = tmp_path / "site"
    shutil.copytree(CORPUS, site)
    result = build_site(site, tmp_path / "out", BuildOptions(now=NOW))
    with serve_folder(tmp_path / "out") as url:
        yield url, result


def test_corpus_builds_with_only_the_expected_warnings(served: tuple[str, Any]) -> None:
    _, result = served
    outputs = set(result.outputs)
    assert ".attachments.101/image.png" in outputs
    assert ".attachments.101/unused.png" not in outputs
    assert {"index.html", "100%/index.html", "notes/Meeting notes/index.html"} <= outputs
    assert [str(w) for w in result.site.warnings] == []


def test_corpus_in_the_browser(served: tuple[str, Any], page: Any, tmp_path: Path) -> None:
    base, _ = served
    page.goto(base + "/")
    page.screenshot(path=str(tmp_path / "readme.png"), full_page=True)
    img = page.locator("main img")
    assert img.evaluate("i => i.complete && i.naturalWidth") == 120
    assert page.locator("#concatenating-with--or-format").count() == 1
    hrefs = page.eval_on_selector_all("main a:not(.anchor)", "as => as.map(a => a.href)")
    assert base + "/notes/Meeting%20notes/" in hrefs and base + "/100%25/" in hrefs
    for href in hrefs:  # every link leads to a page that exists
        if href.startswith(base):
            assert page.request.get(href).status == 200, href

    page.goto(base + "/notes/Meeting%20notes/")
    page.screenshot(path=str(tmp_path / "meeting.png"), full_page=True)
    boxes = page.eval_on_selector_all(
        "main li input[type=checkbox]", "bs => bs.map(b => b.checked)"
    )
    assert boxes == [True, False, False]
    tasks = page.locator("main li.task-list-item").all_text_contents()
    assert "Send the agenda *before* Monday" in tasks[1] and "[the budget]" in tasks[2]
    cells = page.eval_on_selector_all("main td", "ts => ts.map(t => t.innerHTML.trim())")
    assert cells[-3:] == ["Notes", "first<br>second", "Eve"]
    assert page.locator("main .callout-info strong").text_content() == "9:00"
    assert page.locator("main .callout-warn").count() == 1
    assert page.locator("main mark").text_content() == "Highlighted"
    assert page.locator("main u").text_content() == "underlined"
    assert page.locator("main del, main s").count() == 1
    assert "__not underlined__" in page.locator("main pre code").text_content()
    assert page.locator("main p br").count() == 2
    details = page.locator("main details")
    assert details.locator("summary").text_content() == "More details"
    assert details.locator("strong").text_content() == "bold"
    page.goto(base + "/notes/ideas/")
    ids = page.eval_on_selector_all("main h2", "hs => hs.map(h => h.id)")
    assert ids == ["ideas-1", "ideas-2"]
