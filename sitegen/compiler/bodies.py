"""Layer 3: the rendered bodies and summaries of a site's pages.

Pages are frozen values; what rendering them gives is kept here, by page, and made on first use
in whichever worker process needs it. Templates reach it through the page view (`page.content`,
`page.toc`, `page.summary`). A later build in the same process (the preview) that keeps a page
value unchanged, with the same link targets, settings and images, takes its rendered body over
(`carry_over`) instead of rendering it again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

from markupsafe import Markup, escape

from sitegen.config import SiteConfig
from sitegen.model import Page, RenderedBody
from sitegen.render.images import Size, add_dimensions
from sitegen.render.markdown import MarkdownEngine, render_markdown, summary_markdown

from .assemble import LinkTargets, link_resolver

_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


class Bodies:
    """Renders Markdown bodies and summaries (links resolved against `targets`, local images
    sized from `sizes`) and remembers them; holds the bodies HTML pages render to."""

    def __init__(
        self,
        engine: MarkdownEngine,
        targets: LinkTargets,
        config: SiteConfig,
        sizes: Mapping[str, Size],
    ) -> None:
        self.engine, self.targets, self.config, self.sizes = engine, targets, config, sizes
        self._bodies: dict[Page, RenderedBody] = {}
        self._summaries: dict[Page, Markup | str] = {}

    def body(self, page: Page) -> RenderedBody:
        known = self._bodies.get(page)
        if known is not None:
            return known
        if page.kind == "md":
            made = self._markdown(page)
        elif page.kind == "generated":  # its body is the HTML the build made (a list of terms)
            made = RenderedBody(Markup(page.body))
        else:
            return RenderedBody()  # an HTML page before its template rendered (set_html)
        self._bodies[page] = made
        return made

    def set_html(self, page: Page, content: Markup) -> None:
        """What an HTML page's own template rendered to: its `content` from now on."""
        self._bodies[page] = RenderedBody(content)

    def summary(self, page: Page) -> Markup | str:
        known = self._summaries.get(page)
        if known is None:
            given = page.meta.get("summary")
            if given:
                known = escape(str(given))
            elif page.kind == "md":
                known = self._markdown_summary(page)
            else:
                known = ""  # an HTML page: only front matter gives it a summary
            self._summaries[page] = known
        return known

    def carry_over(self, earlier: Bodies, pages: Iterable[Page]) -> None:
        """Take over what `earlier` rendered of these (unchanged) Markdown pages."""
        for page in pages:
            if page.kind != "md":
                continue  # an HTML page's content comes from templates, which may have changed
            body = earlier._bodies.get(page)
            if body is not None:
                self._bodies[page] = body
            summary = earlier._summaries.get(page)
            if summary is not None:
                self._summaries[page] = summary

    def _markdown(self, page: Page) -> RenderedBody:
        resolve = link_resolver(page.source, self.targets, self.config)
        rendered = render_markdown(page.body, self.engine, resolve, self.config.heading_ids)
        content = rendered.html
        if self.sizes and "<img" in content:
            content = add_dimensions(content, self._size_of)
        return RenderedBody(Markup(content), rendered.toc)

    def _markdown_summary(self, page: Page) -> Markup:
        """Made from the summary's own source, so a listing never renders (and highlights) the
        whole body of every page it shows."""
        source, whole = summary_markdown(page.body)
        resolve = link_resolver(page.source, self.targets, self.config)
        made = render_markdown(source, self.engine, resolve).html.strip()
        if whole:
            return Markup(made)
        m = _FIRST_PARAGRAPH.search(made)
        return Markup(m.group(1)) if m else Markup("")

    def _size_of(self, src: str) -> Size | None:
        return self.sizes.get(unquote(html.unescape(src)))  # links are written quoted and escaped
