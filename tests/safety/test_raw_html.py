"""raw_html = "allow" | "escape" | "drop", with both Markdown engines, and `sitegen check` naming
the pages whose raw HTML runs script."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.render.markdown import make_engine
from tests.trees import snapshot, write_tree

PAGE = (
    "---\ntitle: P\n---\n"
    'Hi <b onclick="x()">there</b> `<code>`\n'
    "\n<script>alert(1)</script>\n"
    "\n[link](javascript:alert(2)) [ok](/a/)\n"
)
BODIES = {
    "allow": (
        '<p>Hi <b onclick="x()">there</b> <code>&lt;code&gt;</code></p>\n'
        "<script>alert(1)</script>\n"
        '<p><a href="javascript:alert(2)">link</a> <a href="/a/">ok</a></p>'
    ),
    "escape": (
        '<p>Hi &lt;b onclick="x()"&gt;there&lt;/b&gt; <code>&lt;code&gt;</code></p>\n'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        '<p><a href="#">link</a> <a href="/a/">ok</a></p>'
    ),
    "drop": (
        "<p>Hi there <code>&lt;code&gt;</code></p>\n"
        '<p><a href="#">link</a> <a href="/a/">ok</a></p>'
    ),
}


def site(tmp: Path, settings_text: str) -> Path:
    return write_tree(
        tmp / "site",
        {
            "sitegen.toml": settings_text,
            "_layout.html": "{{ content }}",
            "p.md": PAGE,
            "a.md": "# A",
        },
    )


@pytest.mark.parametrize("engine", ["pyromark", "python-markdown"])
@pytest.mark.parametrize("policy", ["allow", "escape", "drop"])
def test_policies_with_both_engines(tmp_path: Path, engine: str, policy: str) -> None:
    src = site(tmp_path, f'markdown_engine = "{engine}"\nraw_html = "{policy}"\n')
    r = CliRunner().invoke(main, ["build", str(src), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "out/p/index.html").read_text()
    normal = "\n".join(line for line in html.splitlines() if line.strip())
    assert normal == BODIES[policy]


def test_a_bad_policy_is_a_settings_error(tmp_path: Path) -> None:
    src = site(tmp_path, 'title = "x"\nraw_html = "sanitize"\n')
    before = snapshot(tmp_path)
    r = CliRunner().invoke(main, ["build", str(src), "-o", str(tmp_path / "out")])
    assert (r.exit_code, r.output) == (
        1,
        'sitegen.toml:2: raw_html: expected "allow", "escape" or "drop", got "sanitize"\n',
    )
    assert snapshot(tmp_path) == before


def test_check_names_the_pages_whose_raw_html_runs_script(tmp_path: Path) -> None:
    src = site(tmp_path, 'base_url = "https://example.org/"\n')
    r = CliRunner().invoke(main, ["check", str(src)])
    assert r.exit_code == 0, r.output
    notes = [line for line in r.stderr.splitlines() if line.startswith("note:")]
    tail = 'is published as written (raw_html = "escape" or "drop" in sitegen.toml stops it)'
    assert notes == [
        f"note: p.md:4: raw HTML with an event-handler attribute {tail}",
        f"note: p.md:6: raw HTML with <script> {tail}",
    ]
    (src / "sitegen.toml").write_text('base_url = "https://example.org/"\nraw_html = "escape"\n')
    r = CliRunner().invoke(main, ["check", str(src)])
    assert r.exit_code == 0 and "note:" not in r.stderr


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "&",
                "a",
                " ",
                "\n",
                "`",
                "*",
                "> ",
                "    ",
                "<b>",
                "</div>",
                "<!--",
                "-->",
                "<div>",
                "<script>",
                "onclick=",
                '"',
                "[x](",
                ")",
                "<?",
                "<![CDATA[",
                "- ",
            ]
        ),
        max_size=40,
    ).map("".join),
    st.sampled_from(["pyromark", "python-markdown"]),
)
def test_escape_and_drop_leave_no_tag_of_the_authors(text: str, engine: str) -> None:
    """Whatever the Markdown, "escape" and "drop" output holds only the engine's own tags."""
    import re

    for policy in ("escape", "drop"):
        html = make_engine(engine, raw_html=policy)(text)
        tags = set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", html))
        assert not tags & {"script", "div", "b"}, (policy, html)
        assert "<!--" not in html and "<?" not in html and "<![CDATA[" not in html, html
