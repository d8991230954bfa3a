"""Layer 5: what the preview adds to HTML responses (never to files on disk): the live-reload
client script and, while the last build failed, the error overlay."""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources

WS_PATH = "/__sitegen/ws"

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

_OVERLAY_STYLE = (
    "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;"
    "background:rgba(20,20,24,.94);color:#f4f4f5;font:15px/1.5 system-ui,sans-serif;"
)
_OVERLAY_CSS = (
    "#sitegen-error h1{color:#fca5a5;font-size:1.3rem;margin:0 0 1rem}"
    "#sitegen-error h2{font-size:1rem;margin:1.5rem 0 .25rem;color:#fde68a}"
    "#sitegen-error p{margin:.25rem 0 .5rem;white-space:pre-wrap}"
    "#sitegen-error pre{background:#000;color:#e4e4e7;padding:.75rem 1rem;overflow:auto;"
    "font:13px/1.45 ui-monospace,monospace;border-radius:6px}"
    "#sitegen-error .sg-err-line{color:#fca5a5;font-weight:bold}"
    "#sitegen-error footer{margin-top:1.5rem;color:#a1a1aa;font-size:.85rem}"
)


@cache
def client_script() -> str:
    return (resources.files("sitegen.serve") / "client.js").read_text(encoding="utf-8")


def overlay(fragment: str, count: int) -> str:
    """The overlay element around sitegen.errors.format_html's fragment."""
    title = f"Build failed: {count} error{'s' if count != 1 else ''}"
    return (
        f'<div id="sitegen-error" role="alert" style="{_OVERLAY_STYLE}">'
        f"<style>{_OVERLAY_CSS}</style><h1>{html.escape(title)}</h1>{fragment}"
        "<footer>sitegen preview: the page shows the last good build; "
        "save a fix and it reloads.</footer></div>"
    )


def snippet(token: str, error_overlay: str | None, status: int = 200) -> bytes:
    """The markup inserted before </body>."""
    attrs = (
        f'id="sitegen-live" data-token="{html.escape(token)}" '
        f'data-ws="{WS_PATH}" data-status="{status}"'
    )
    # "</" cannot end the script early: the client script contains no such sequence.
    script = f"<script {attrs}>{client_script()}</script>"
    return ((error_overlay or "") + script).encode("utf-8")


def inject(page: bytes, extra: bytes) -> bytes:
    """`extra` before the last </body>, or appended when there is none."""
    last = None
    for last in _BODY_END.finditer(page):  # noqa: B007 - the last match is wanted
        pass
    if last is None:
        return page + extra
    return page[: last.start()] + extra + page[last.start() :]
