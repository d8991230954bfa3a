"""axe-core in headless Chromium: no violations on any page type of the two example sites, in
light and dark colours, on a desktop and a phone (menu open), search results included."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

# Every page type each example has (the docs theme has no tag pages).
PAGES = {
    "content-example": [
        "/",  # home
        "/posts/hello-nextcloud/",  # post
        "/about/",  # page
        "/posts/",  # list
        "/posts/page/2/",
        "/archive/",
        "/tags/",
        "/tags/sitegen/",  # tag
        "/404.html",
        "/search/?q=nextcloud",  # search results
    ],
    "docs-example": [
        "/",
        "/guide/assets/",  # page with code
        "/guide/",  # section list
        "/reference/settings/",
        "/404.html",
        "/search/?q=theme",
    ],
}
CASES = [(ex, path) for ex, paths in PAGES.items() for path in paths]
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def violations(page: Any, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' '))"
        ".slice(0, 5).join(', ')))",
        RULES,
    )
    return list(found)


def settle(page: Any, path: str) -> None:
    if path.startswith("/search/"):
        page.wait_for_selector(".search-hits li")
    page.wait_for_selector(".theme-toggle:not([hidden])")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("example", "path"), CASES)
def test_no_violations_on_a_desktop(
    context: Any, examples: dict[str, str], axe_source: str, example: str, path: str, scheme: str
) -> None:
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(examples[example] + path)
    settle(page, path)
    assert violations(page, axe_source) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("example", list(PAGES))
def test_no_violations_on_a_phone_with_the_menu_open(
    chromium: Any, examples: dict[str, str], axe_source: str, example: str, scheme: str
) -> None:
    context = chromium.new_context(viewport={"width": 375, "height": 740}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(examples[example] + "/search/?q=sitegen")
        settle(page, "/search/")
        if page.locator(".menu-toggle").count():
            page.click(".menu-toggle")
        assert violations(page, axe_source) == []
    finally:
        context.close()
