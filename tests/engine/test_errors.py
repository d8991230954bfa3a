"""Each bad input gives `path:line: message`, and the previous output stays exactly as it was."""

from __future__ import annotations

from tests.conftest import SiteBuilder

LAYOUT = {"_layout.html": "<main>{{ content }}</main>"}


def test_invalid_yaml_front_matter_counts_the_offset(sb: SiteBuilder) -> None:
    page = "---\ntitle: Hello\ntags: [a, b\ndate: 2026-05-01\n---\nbody\n"
    assert sb.errors({**LAYOUT, "posts/hello.md": page}) == [
        "posts/hello.md:3: front matter: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts here)"
    ]


def test_unclosed_front_matter(sb: SiteBuilder) -> None:
    assert sb.errors({**LAYOUT, "a.md": "---\ntitle: x\n\nbody"}) == [
        "a.md:1: front matter: no closing '---' line"
    ]


def test_front_matter_must_be_a_mapping(sb: SiteBuilder) -> None:
    assert sb.errors({**LAYOUT, "a.md": "---\n- just\n- a list\n---\n"}) == [
        "a.md:2: front matter: expected key: value pairs, found a list"
    ]


def test_bad_date_in_front_matter(sb: SiteBuilder) -> None:
    assert sb.errors({**LAYOUT, "a.md": "---\ntitle: x\ndate: next tuesday\n---\n"}) == [
        "a.md:3: front matter: date: not a date: 'next tuesday' (use YYYY-MM-DD)"
    ]


def test_unknown_layout(sb: SiteBuilder) -> None:
    assert sb.errors({**LAYOUT, "about.md": "---\ntitle: About\nlayout: fancy\n---\n"}) == [
        "about.md:3: unknown layout 'fancy' (looked for _layouts/fancy.html)"
    ]


def test_template_syntax_error_in_layout(sb: SiteBuilder) -> None:
    files = {"_layout.html": "<h1>\n{{ page.title }\n</h1>", "index.md": ""}
    assert sb.errors(files) == ["_layout.html:2: template syntax: unexpected '}'"]


def test_template_syntax_error_in_html_page_keeps_file_lines(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "list.html": "---\ntitle: L\n---\n<ul>\n{% for p in site.pages %}\n</ul>\n"}
    assert sb.errors(files) == [
        "list.html:5: template syntax: Unexpected end of template. Jinja was looking for the "
        "following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."
    ]


def test_template_syntax_error_in_partial_names_the_partial(sb: SiteBuilder) -> None:
    files = {
        "_layout.html": "{{ partial('nav') }}\n{{ content }}",
        "_partials/nav.html": "<nav>\n{% if %}\n</nav>",
        "index.md": "",
    }
    assert sb.errors(files) == [
        "_partials/nav.html:2: template syntax: Expected an expression, got 'end of statement block'"
    ]


def test_undefined_variable(sb: SiteBuilder) -> None:
    files = {
        "_layout.html": "<title>{{ page.title }}</title>\n<p>{{ sitename }}</p>",
        "index.md": "",
    }
    assert sb.errors(files) == ["_layout.html:2: undefined variable: 'sitename' is undefined"]


def test_undefined_attribute_in_partial(sb: SiteBuilder) -> None:
    files = {
        "_layout.html": "{{ partial('card') }}",
        "_partials/card.html": "\n\n{{ page.nope }}",
        "index.md": "",
    }
    assert sb.errors(files) == [
        "_partials/card.html:3: undefined variable: 'sitegen.compiler.views.PageView object' has no attribute 'nope'"
    ]


def test_missing_partial(sb: SiteBuilder) -> None:
    files = {"_layout.html": "a\n{{ partial('footer') }}", "index.md": ""}
    assert sb.errors(files) == [
        "_layout.html:2: partial not found: 'footer' (looked for _partials/footer.html)"
    ]


def test_include_loop(sb: SiteBuilder) -> None:
    files = {
        "_layout.html": "{{ partial('a') }}",
        "_partials/a.html": "A {{ partial('b') }}",
        "_partials/b.html": "B\n{{ partial('a') }}",
        "index.md": "",
    }
    assert sb.errors(files) == [
        "_partials/b.html:2: include loop: _partials/a.html → _partials/b.html → _partials/a.html"
    ]


def test_jinja_include_loop(sb: SiteBuilder) -> None:
    files = {
        "_layout.html": "{% include '_x.html' %}",
        "_x.html": "x{% include '_x.html' %}",
        "index.md": "",
    }
    [message] = sb.errors(files)
    assert message == "_x.html:1: include loop: a template includes itself"


def test_sass_error(sb: SiteBuilder) -> None:
    files = {
        **LAYOUT,
        "css/site.scss": "$pad: 4px;\n.a {\n  margin: $padding;\n}\n",
        "index.md": "",
    }
    assert sb.errors(files) == ['css/site.scss:3: sass: Undefined variable: "$padding".']


def test_sass_error_in_imported_partial(sb: SiteBuilder) -> None:
    files = {
        **LAYOUT,
        "css/site.scss": '@import "colors";\n',
        "css/_colors.scss": "a {\n  b: c(;\n}\n",
    }
    [message] = sb.errors(files)
    assert message.startswith("css/_colors.scss:2: sass: ")


def test_invalid_utf8(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "notes.md": b"---\ntitle: Notes\n---\ncaf\xe9 au lait\n"}
    assert sb.errors(files) == [
        "notes.md:4: not valid UTF-8 (byte 0xe9 at column 4); save it as UTF-8"
    ]


def test_binary_file_named_md(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "photo.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}
    assert sb.errors(files) == ["photo.md:1: binary file, not text (it contains NUL bytes)"]


def test_output_collision_names_both(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "about.md": "a", "about/index.md": "b"}
    assert sb.errors(files) == [
        "about/index.md:1: output collision: writes about/index.html, which about.md writes too"
    ]


def test_collision_between_asset_and_stylesheet(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "css/a.css": "p{}", "css/a.scss": "p{}"}
    assert sb.errors(files) == [
        "css/a.scss:1: output collision: writes css/a.css, which css/a.css writes too"
    ]


def test_config_error_names_key_and_line(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "sitegen.toml": 'title = "T"\n\nurls = "fancy"\n', "index.md": ""}
    assert sb.errors(files) == ['sitegen.toml:3: urls: expected "pretty" or "html", got "fancy"']


def test_config_toml_syntax_error(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "sitegen.toml": 'title = "T"\nbase_url = \n', "index.md": ""}
    assert sb.errors(files) == ["sitegen.toml:2: invalid TOML: Invalid value"]


def test_unknown_theme(sb: SiteBuilder) -> None:
    files = {"sitegen.toml": 'theme = "nope"', "index.md": ""}
    assert sb.errors(files) == ["sitegen.toml:1: theme: no theme named 'nope'"]


def test_sandbox_violation_is_refused(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "evil.html": "<p>\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n</p>"}
    assert sb.errors(files) == [
        "evil.html:2: template security: access to attribute '__class__' of 'str' object is unsafe."
    ]


def test_sandbox_violation_refused_when_not_strict(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "sitegen.toml": "strict = false", "evil.html": "{{ ''.__class__ }}"}
    assert sb.errors(files) == [
        "evil.html:1: template security: access to attribute '__class__' of 'str' object is unsafe."
    ]


def test_sandbox_still_guards_attributes_once_the_safe_ones_are_known(sb: SiteBuilder) -> None:
    # Pages render in order, so b.md reads page.title through the path for attributes already
    # found safe; str.format (which can reach __class__ through its fields) and a private
    # attribute must still be refused there.
    layout = "{{ page.title.upper() }}{% if page.title == 'B' %}{{ BAD }}{% endif %}"
    for bad, message in [
        ("'{0.__class__}'.format(page.title)", "access to attribute '__class__' of 'str'"),
        ("page.title.__class__", "access to attribute '__class__' of 'str'"),
    ]:
        files = {"_layout.html": layout.replace("BAD", bad), "a.md": "# A", "b.md": "# B"}
        [error] = sb.errors(files)
        assert error.startswith("_layout.html:1: template security: ") and message in error


def test_bad_data_file(sb: SiteBuilder) -> None:
    files = {**LAYOUT, "_data/team.yaml": "a: 1\nb: [\n", "index.md": ""}
    [message] = sb.errors(files)
    assert message.startswith("_data/team.yaml:3: invalid YAML: ")


def test_all_errors_are_collected(sb: SiteBuilder) -> None:
    files = {
        **LAYOUT,
        "a.md": "---\ntitle: [\n---\n",
        "b.md": "---\nlayout: nope\n---\n",
        "css/x.scss": ".a { b: $c; }",
    }
    messages = sb.errors(files)
    assert [m.split(":")[0] for m in messages] == ["a.md", "b.md", "css/x.scss"]


def test_bad_theme_settings_name_the_file_and_line(sb: SiteBuilder) -> None:
    files = {
        "sitegen.toml": 'theme = "mine"',
        "themes/mine/_layout.html": "{{ content }}",
        "themes/mine/theme.toml": 'title = "x"\nextends = \n',
        "index.md": "",
    }
    assert sb.errors(files) == ["themes/mine/theme.toml:2: invalid TOML: Invalid value"]
