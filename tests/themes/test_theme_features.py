"""The themes' interactive parts in headless Chromium: dark mode that remembers, the phone menu,
copy buttons, and search from the header and the search page."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

DARK_BG = "rgb(21, 23, 27)"  # --bg of the dark scheme (themes/default/css/_tokens.scss)
LIGHT_BG = "rgb(251, 250, 247)"


def background(page: Any) -> str:
    return str(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))


@pytest.mark.parametrize("example", ["content-example", "docs-example"])
def test_the_dark_mode_toggle_is_remembered_from_the_first_paint(
    chromium: Any, examples: dict[str, str], example: str
) -> None:
    context = chromium.new_context(color_scheme="light")
    try:
        page = context.new_page()
        page.goto(examples[example] + "/")
        toggle = page.locator(".theme-toggle")
        assert toggle.get_attribute("aria-pressed") == "false"
        assert background(page) == LIGHT_BG
        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "true"
        assert background(page) == DARK_BG
        # The next page is dark from its first paint: the inline script that sets data-theme
        # comes before the stylesheet, and it has run before any deferred script.
        seen = []
        page.on("console", lambda m: seen.append(m.text))
        page.add_init_script(
            "document.addEventListener('readystatechange', () => {"
            " if (document.readyState === 'interactive')"
            "  console.log(String(document.documentElement.dataset.theme)); }, {once: true});"
        )
        page.goto(examples[example] + "/404.html")
        assert seen == ["dark"]
        assert background(page) == DARK_BG
        head = page.content()
        assert head.index('setAttribute("data-theme"') < head.index('rel="stylesheet"')
        page.locator(".theme-toggle").click()  # back to light, remembered too
        page.reload()
        assert background(page) == LIGHT_BG
    finally:
        context.close()


def test_the_phone_menu_keeps_the_header_on_one_line(
    chromium: Any, examples: dict[str, str]
) -> None:
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.goto(examples["content-example"] + "/posts/")
        title = page.locator(".site-title").bounding_box()
        menu = page.locator(".menu-toggle")
        box = menu.bounding_box()
        assert abs(title["y"] + title["height"] / 2 - (box["y"] + box["height"] / 2)) < 4
        assert box["x"] + box["width"] <= 375
        assert not page.locator("#site-nav").is_visible()
        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
        assert page.locator("#site-nav a[href='/archive/']").is_visible()
        page.keyboard.press("Escape")
        assert menu.get_attribute("aria-expanded") == "false"
        assert not page.locator("#site-nav").is_visible()
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= 375  # nothing sticks out sideways
    finally:
        context.close()


def test_the_desktop_header_is_one_line_without_a_menu_button(
    context: Any, examples: dict[str, str]
) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(examples["content-example"] + "/")
    assert not page.locator(".menu-toggle").is_visible()
    tops = page.evaluate(
        "() => [...document.querySelectorAll('.site-title, #site-nav a, .header-tools > *')]"
        ".filter(e => e.offsetParent).map(e => Math.round(e.getBoundingClientRect().top"
        " + e.getBoundingClientRect().height / 2))"
    )
    assert max(tops) - min(tops) <= 4, tops


def test_a_code_block_copy_button_copies_the_code(chromium: Any, examples: dict[str, str]) -> None:
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(examples["docs-example"] + "/guide/assets/")
        first = page.locator(".prose pre").first
        code = first.inner_text()
        button = page.locator(".copy-code").first
        assert button.get_attribute("aria-label") == "Copy code"
        button.click()
        page.wait_for_function(
            "() => document.querySelector('.copy-code').textContent === 'Copied'"
        )
        assert page.evaluate("() => navigator.clipboard.readText()") == code.rstrip("\n")
    finally:
        context.close()


def test_the_search_page_shows_results_for_the_query(
    context: Any, examples: dict[str, str]
) -> None:
    page = context.new_page()
    page.goto(examples["content-example"] + "/search/?q=schedule")
    page.wait_for_selector(".search-hits li")
    titles = page.locator(".search-hits strong").all_inner_texts()
    assert titles[0] == "Publishing on a schedule"
    assert page.input_value("#search-page-input") == "schedule"
    page.fill("#search-page-input", "zzznothing")
    page.wait_for_function(
        "() => document.querySelector('.search-status').textContent === 'No pages match.'"
    )
    assert page.locator(".search-hits li").count() == 0
    assert page.url.endswith("/search/?q=zzznothing")  # the address can be shared


def test_the_blog_header_search_link_leads_to_the_search_page(
    context: Any, examples: dict[str, str]
) -> None:
    page = context.new_page()
    page.goto(examples["content-example"] + "/about/")
    page.click(".search-link")
    page.wait_for_url("**/search/")
    page.fill("#search-page-input", "front matter")
    page.wait_for_selector(".search-hits li")
    assert "Front matter" in page.locator(".search-hits strong").first.inner_text()


def test_docs_search_box_enter_opens_the_search_page(
    context: Any, examples: dict[str, str]
) -> None:
    page = context.new_page()
    page.goto(examples["docs-example"] + "/guide/")
    page.keyboard.press("/")
    page.keyboard.type("fingerprint")
    page.wait_for_selector("#search-results a")
    page.keyboard.press("Enter")  # on the box, not a result: the full results page
    page.wait_for_url("**/search/?q=fingerprint")
    page.wait_for_selector(".search-hits li")
    assert "Assets and code" in page.locator(".search-hits strong").all_inner_texts()
