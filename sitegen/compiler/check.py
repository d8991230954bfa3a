"""Layer 3: `sitegen check`: build the site into a temporary folder and check what it links to.

Every internal link, anchor, image, stylesheet and script in the built pages must exist. A
problem in a page's Markdown is reported at the line of the Markdown source that holds the link
(found by resolving each link written in the source the way the build does); a problem that comes
from a layout or partial is reported once, naming the first page it appears on and how many more.
External links (other sites, mailto:) are not fetched: the check works offline.
"""

from __future__ import annotations

import html
import posixpath
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from sitegen.config import SiteConfig
from sitegen.errors import Diagnostic
from sitegen.model import Page
from sitegen.render.rawhtml import risky_html

from .assemble import FileIds, LinkTargets, link_resolver
from .pipeline import BuildOptions, build_site
from .textlinks import MD_LINKS

_TAG = re.compile(r"<(a|img|link|script|source|iframe|video|audio)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""\s(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_ID = re.compile(r"""\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_TOP = ("", "top")
# In a URL these must be escaped: `%` not starting an escape, white space, and "<>\^`{|}.
_INVALID_URL = re.compile(r'%(?![0-9A-Fa-f]{2})|[\s"<>\\^`{|}]')
_ESCAPED_IN_URL = set(
    '%#?"<>\\^`{|}'
)  # browsers scroll to the top for "#" and "#top" without an element


@dataclass
class CheckReport:
    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: int = 0
    links: int = 0


@dataclass(frozen=True)
class _Link:
    tag: str
    url: str  # as in the built HTML, unescaped


def check_site(site_dir: Path, options: BuildOptions | None = None) -> CheckReport:
    """Build `site_dir` into a temporary folder and report broken internal links and images.

    A site that does not build raises BuildError, as `sitegen build` would.
    """
    options = options or BuildOptions()
    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as tmp:
        out = Path(tmp) / "site"
        site = build_site(site_dir, out, options).site
        assert site is not None
        report = check_output(out, site.pages, site.config, site.file_ids)
        report.notes[:0] = [str(w) for w in site.warnings]
        return report


def check_output(
    out: Path, pages: Iterable[Page], config: SiteConfig, ids: FileIds | None = None
) -> CheckReport:
    """Check a built site in `out`; `pages` are the site's own pages (for source lines)."""
    report = CheckReport()
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    built: dict[str, tuple[set[str], list[_Link]]] = {}
    for rel in sorted(files):
        if rel.endswith(".html"):
            text = (out / rel).read_text(encoding="utf-8", errors="replace")
            built[rel] = (_ids(text), _links(text))
    report.pages = len(built)
    by_output = {p.output: p for p in pages}
    targets = LinkTargets({p.source: p.url for p in by_output.values()}, ids=ids)
    from_layouts: dict[tuple[str, str], list[str]] = {}  # (problem, url) -> outputs
    for rel, (_, links) in built.items():
        page = by_output.get(rel)
        lines = _source_lines(page, targets, config) if page else {}
        for link in links:
            report.links += 1
            problem = _problem(rel, link, files, built, config)
            if problem is None:
                continue
            line = lines.get(link.url)
            if page is not None and line is not None:
                report.problems.append(Diagnostic(page.source, line, problem))
            else:
                from_layouts.setdefault((problem, link.url), []).append(rel)
    display = {p.output: p.source for p in pages}
    for (problem, _), outputs in sorted(from_layouts.items()):
        first = outputs[0]
        more = f" (and {len(outputs) - 1} more pages)" if len(outputs) > 1 else ""
        where = display.get(first, first)
        msg = f"{problem}, from the page's layout or a partial{more}"
        report.problems.append(Diagnostic(where, None, msg))
    report.notes.extend(_name_notes(by_output.values()))
    if not config.origin:
        feeds = "feeds have site-relative links" if config.feeds_on else "no feeds (feeds = true)"
        report.notes.append(f"base_url is not absolute: no sitemap.xml, {feeds}")
    if config.raw_html == "allow":
        report.notes.extend(_script_notes(by_output.values()))
    report.problems.sort(key=lambda d: (d.path, d.line or 0, d.message))
    return report


def _script_notes(pages: Iterable[Page]) -> list[str]:
    """Markdown pages whose raw HTML runs script, which raw_html = "allow" passes through."""
    notes = []
    for page in sorted(pages, key=lambda p: p.source):
        if page.kind != "md" or "<" not in page.body:
            continue
        for line, what in risky_html(page.body):
            where = Diagnostic(page.source, page.body_line + line - 1, "")
            notes.append(
                f"{where.location}: raw HTML with {what} is published as written "
                '(raw_html = "escape" or "drop" in sitegen.toml stops it)'
            )
    return notes


def _name_notes(pages: Iterable[Page]) -> list[str]:
    """Page names holding characters a URL must escape (`100%.md`, `what?.md`): links to them
    work (sitegen escapes them) but hand-written URLs and other tools often get them wrong."""
    notes = []
    for page in sorted(pages, key=lambda p: p.source):
        name = page.source.rsplit("/", 1)[-1]
        bad = sorted({c for c in name if c in _ESCAPED_IN_URL})
        if bad and "url" not in page.meta:
            chars = " ".join(repr(c) for c in bad)
            notes.append(
                f"{page.source}: the name holds {chars}, which a URL must escape: the page is "
                f"at {page.url}; a name of letters, digits and '-' is safer"
            )
    return notes


def _invalid_url(url: str) -> str | None:
    m = _INVALID_URL.search(url)
    if m is None:
        return None
    what = "a space" if m.group().isspace() else f"an unescaped {m.group()!r}"
    fix = {"%": "%25", " ": "%20"}.get(m.group(), "its %XX escape")
    return f"invalid URL: {url} ({what}; write it as {fix})"


def _ids(text: str) -> set[str]:
    return {html.unescape(a or b) for a, b in _ID.findall(text)}


def _links(text: str) -> list[_Link]:
    out = []
    for m in _TAG.finditer(text):
        tag = m.group(1).lower()
        for attr, dq, sq in _ATTR.findall(m.group(2)):
            if tag == "link" and attr.lower() == "href" and "preconnect" in m.group(2):
                continue
            out.append(_Link(tag, html.unescape(dq or sq)))
    return out


def _problem(
    here: str,
    link: _Link,
    files: set[str],
    built: dict[str, tuple[set[str], list[_Link]]],
    config: SiteConfig,
) -> str | None:
    url = link.url.strip()
    if not url or url.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    invalid = _invalid_url(url)
    if invalid:
        return invalid
    if config.origin and url.startswith(config.origin + "/"):
        url = url[len(config.origin) :]
    elif _EXTERNAL.match(url):
        return None
    path, _, frag = url.partition("#")
    path = path.split("?", 1)[0]
    if not path:
        target = here
    else:
        target_or_none = _output_for(path, here, files, config)
        if target_or_none is None:
            kind = {"img": "missing image", "a": "broken link"}.get(link.tag, "missing file")
            return f"{kind}: {link.url}"
        target = target_or_none
    frag = unquote(frag)
    if frag not in _TOP and target in built and frag not in built[target][0]:
        return f"broken anchor: {link.url} (no id {frag!r} in {target})"
    return None


def _output_for(path: str, here: str, files: set[str], config: SiteConfig) -> str | None:
    """The built file a URL path points at, as a web server would serve it, or None."""
    path = unquote(path)
    if path.startswith("/"):
        base = config.base_path
        if not (path + "/").startswith(base):
            return None
        rel = path[len(base) :]
    else:
        rel = posixpath.join(posixpath.dirname(here), path)
    rel = posixpath.normpath(rel) if rel else ""
    rel = "" if rel == "." else rel
    if rel.startswith("../"):
        return None
    candidates = [rel] if rel and not path.endswith("/") else []
    candidates += [posixpath.join(rel, "index.html") if rel else "index.html", rel + ".html"]
    return next((c for c in candidates if c in files), None)


def _source_lines(page: Page, targets: LinkTargets, config: SiteConfig) -> dict[str, int]:
    """URL as built -> line of the Markdown (or HTML) source that holds the link."""
    resolve = link_resolver(page.source, targets, config)
    found: dict[str, int] = {}
    for n, line in enumerate(page.body.split("\n")):
        for pattern in MD_LINKS:
            for m in pattern.finditer(line):
                written = html.unescape(m.group(1))
                built = written  # links from the site root, anchors and other sites stay as written
                if page.kind == "md" and not _EXTERNAL.match(written) and written[:1] not in "#/":
                    built = resolve(written) or written
                found.setdefault(unquote(built), page.body_line + n)
                found.setdefault(built, page.body_line + n)
    return found
