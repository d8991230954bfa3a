"""What Nextcloud Text writes into a page: attachments, links by file ID, Readme.md as index."""

from __future__ import annotations

from pathlib import Path

from sitegen.compiler.pipeline import BuildOptions, build_site
from sitegen.sources.index import FileEntry, Index, write_index
from tests.conftest import NOW, SiteBuilder
from tests.trees import write_tree

LAYOUT = {"_layout.html": "<main>{{ content }}</main>"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_attachments_linked_from_a_page_are_published_and_others_stay_private(
    sb: SiteBuilder,
) -> None:
    result = sb.build(
        {
            **LAYOUT,
            "notes.md": "# Notes\n\n![image.png](.attachments.17/image.png)\n",
            ".attachments.17/image.png": PNG,
            ".attachments.17/unused.png": PNG,
            ".attachments.99/orphan.png": PNG,
            ".attachments.17/page.md": "# not a page\n",
            ".hidden/secret.png": PNG,
        }
    )
    outs = sb.outputs()
    assert ".attachments.17/image.png" in outs
    assert not [o for o in outs if "unused" in o or "orphan" in o or "secret" in o]
    assert not [o for o in outs if o.startswith(".attachments.17/page")]
    assert '<img src="/.attachments.17/image.png" alt="image.png"' in sb.read("notes/index.html")
    assert result.site is not None and result.site.warnings == ()


def test_encoded_attachment_names_resolve(sb: SiteBuilder) -> None:
    # Text writes the name with encodeURIComponent (and ( ) ! ' * escaped too).
    sb.build(
        {
            **LAYOUT,
            "a/page.md": "![shot (1).png](.attachments.5/shot%20%281%29.png)\n",
            "a/.attachments.5/shot (1).png": PNG,
        }
    )
    assert "a/.attachments.5/shot (1).png" in sb.outputs()
    assert 'src="/a/.attachments.5/shot%20(1).png"' in sb.read("a/page/index.html")


def test_missing_attachment_is_a_warning_with_its_line(sb: SiteBuilder) -> None:
    result = sb.build({**LAYOUT, "p.md": "# P\n\ntext\n\n![x](.attachments.3/gone.png)\n"})
    assert result.site is not None
    assert [str(w) for w in result.site.warnings] == [
        "p.md:5: link to .attachments.3/gone.png: the attachment .attachments.3/gone.png "
        "is not in the site"
    ]


def test_links_to_missing_and_private_files_warn_and_code_does_not(sb: SiteBuilder) -> None:
    body = (
        "---\ntitle: T\n---\n[a](missing.md) [b](_private.md) [c](../out.md)\n\n"
        "`[d](nope.md)`\n\n```\n[e](nope.md)\n```\n[ok](other.md) [web](https://x.org/a b)\n"
    )
    result = sb.build({**LAYOUT, "p.md": body, "other.md": "o", "_private.md": "p"})
    assert result.site is not None
    assert [str(w) for w in result.site.warnings] == [
        "p.md:4: link to missing.md: the file missing.md is not in the site",
        "p.md:4: link to _private.md: _private.md is private (a name starting with _), "
        "not published",
        "p.md:4: link to ../out.md leads outside the site",
    ]


def test_file_id_links_in_a_local_folder_resolve_by_path_and_warn_otherwise(
    sb: SiteBuilder,
) -> None:
    body = (
        "[by path](sub/other.md?fileId=12)\n\n"
        "[moved](old-name.md?fileId=12)\n\n"
        "[direct](https://cloud.example.org/index.php/f/12)\n"
    )
    result = sb.build({**LAYOUT, "p.md": body, "sub/other.md": "# Other\n"})
    html = sb.read("p/index.html")
    assert '<a href="/sub/other/">by path</a>' in html
    assert '<a href="/old-name.md">moved</a>' in html  # as any link to a missing file
    assert 'href="https://cloud.example.org/index.php/f/12"' in html
    assert result.site is not None
    assert [str(w) for w in result.site.warnings] == [
        "p.md:3: link to old-name.md?fileId=12: no such file, and a local folder has no "
        "file IDs to find it by",
        "p.md:5: link to Nextcloud file ID 12 (https://cloud.example.org/index.php/f/12): "
        "a local folder has no file IDs; link to the file by its path",
    ]


def mirror(tmp: Path, files: dict[str, str | bytes], ids: dict[str, str]) -> Path:
    """A folder laid out as sources/mirror.py lays one out, with its index of file IDs."""
    site = write_tree(tmp / "mirror" / "site", files)
    entries = {rel: FileEntry('"e"', 1, 0.0, ids.get(rel)) for rel in files}
    source = "https://cloud.example.org/remote.php/dav/files/ann/site/"
    write_index(tmp / "mirror" / "index.json", Index(source, '"r"', True, True, entries, {}))
    return site


def test_file_id_links_in_a_nextcloud_mirror_resolve_to_page_urls(tmp_path: Path) -> None:
    body = (
        "[moved](old-name.md?fileId=12)\n\n"
        "[direct](https://cloud.example.org/index.php/f/12#part)\n\n"
        "[pretty](https://cloud.example.org/f/40)\n\n"
        "[relative](/index.php/f/12)\n\n"
        "[other server](https://elsewhere.org/index.php/f/12)\n\n"
        "[unknown](https://cloud.example.org/index.php/f/999)\n"
    )
    files = {**LAYOUT, "p.md": body, "docs/new-name.md": "# New\n", "docs/manual.pdf": b"%PDF"}
    site = mirror(tmp_path, files, {"docs/new-name.md": "12", "docs/manual.pdf": "40"})
    out = tmp_path / "out"
    result = build_site(site, out, BuildOptions(now=NOW))
    html = (out / "p/index.html").read_text(encoding="utf-8")
    assert '<a href="/docs/new-name/">moved</a>' in html
    assert '<a href="/docs/new-name/#part">direct</a>' in html
    assert '<a href="/docs/manual.pdf">pretty</a>' in html
    assert '<a href="/docs/new-name/">relative</a>' in html
    assert 'href="https://elsewhere.org/index.php/f/12"' in html
    assert result.site is not None
    assert [str(w) for w in result.site.warnings] == [
        "p.md:11: link to Nextcloud file ID 999 (https://cloud.example.org/index.php/f/999): "
        "no file of the site has it"
    ]


def test_readme_is_the_folder_index_when_there_is_none(sb: SiteBuilder) -> None:
    sb.build(
        {
            **LAYOUT,
            "Readme.md": "# Home\n",
            "guide/README.md": "# Guide\n\n[top](../Readme.md)\n",
            "guide/step.md": "# Step\n\n[up](README.md)\n",
            "blog/index.md": "# Blog\n",
            "blog/readme.md": "# About the blog\n",
        }
    )
    outs = sb.outputs()
    assert {"index.html", "guide/index.html", "blog/index.html", "blog/readme/index.html"} <= set(
        outs
    )
    assert "<h1" in sb.read("guide/index.html") and "Guide" in sb.read("guide/index.html")
    assert '<a href="/">top</a>' in sb.read("guide/index.html")
    assert '<a href="/guide/">up</a>' in sb.read("guide/step/index.html")


def test_footnotes_and_links_to_generated_files_do_not_warn(sb: SiteBuilder) -> None:
    """The bundled example warned of both: a footnote's text is no link target, and feed.xml,
    sitemap.xml and robots.txt are made by the build."""
    result = sb.build(
        {
            **LAYOUT,
            "sitegen.toml": 'base_url = "https://example.org/"\n',
            "index.md": "# Home\n\nSee [the feed](feed.xml) and the note.[^n]\n\n"
            "[^n]: Because it says so.\n",
        }
    )
    assert result.site is not None and result.site.warnings == ()
    assert "feed.xml" in sb.outputs()
