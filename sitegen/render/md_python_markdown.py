"""Layer 2: the Python-Markdown engine (opt-in, for sites that rely on its extensions)."""

from __future__ import annotations

from .markdown import MarkdownEngine


def make(raw_html: str) -> MarkdownEngine:
    """The engine; with `raw_html` other than "allow", what Python-Markdown alone would take for
    HTML is shown as text (render/rawhtml.py applies the policy around it too)."""
    import markdown

    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "footnotes",
            "sane_lists",
            "attr_list",
            "pymdownx.tilde",
            "pymdownx.tasklist",
        ],
        extension_configs={"footnotes": {"UNIQUE_IDS": False}},
        output_format="html",
    )
    if raw_html != "allow":
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")

    def render(text: str) -> str:
        md.reset()
        return md.convert(text)

    return render
