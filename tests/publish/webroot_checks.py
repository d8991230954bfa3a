"""Shared by the web-root tests: fingerprinted site versions and the live-site invariants."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sitegen.publish.manifest import manifest_of_tree, walk_files
from sitegen.publish.webroot import WebRoot
from sitegen.publish.webroot_releases import read_release

_LINK = re.compile(r"""(?:href|src)=['"](/[^'"#?]*)""")


def hashed(name: str, data: str) -> str:
    stem, ext = name.rsplit(".", 1)
    return f"{stem}.{hashlib.sha256(data.encode()).hexdigest()[:8]}.{ext}"


def fp_site(n: int) -> dict[str, str | bytes]:
    """Version `n` of a site with `fingerprint = true`: the stylesheet's name changes with each
    version, the logo's never; one post comes and one goes."""
    css = f"body {{ --v: {n} }}"
    css_name = hashed("css/site.css", css)
    logo = "PNG logo"
    logo_name = hashed("img/logo.png", logo)
    head = f"<link rel='stylesheet' href='/{css_name}'><img src='/{logo_name}'>"
    return {
        "index.html": f"{head}home v{n}",
        "about/index.html": f"{head}about v{n}",
        "contact.html": f"<img src='/{logo_name}'>contact, the same in every version",
        f"posts/p{n}.html": f"{head}post {n}",
        css_name: css,
        "css/site.css": css,
        logo_name: logo,
        "img/logo.png": logo,
    }


def problems_of_live(root: Path) -> list[str]:
    """What a reader could meet that is wrong: a page whose linked file is missing, an empty
    file, a file that is not the one the live manifest names."""
    target = WebRoot(root)
    live = target.live_dir()
    if live is None:
        return []  # nothing served yet (the first publish was cut before its switch)
    out = reader_problems(live)
    rel = read_release(live)
    held = manifest_of_tree(live)
    for path, entry in {**rel.files, **rel.carried}.items():
        if held.get(path) != entry:
            out.append(f"{path}: not the published file")
    return out


def reader_problems(live: Path) -> list[str]:
    """Empty files, and pages linking to a file not there (the state folder left out)."""
    out = []
    for path in walk_files(live):
        if (live / path).stat().st_size == 0:
            out.append(f"{path}: empty")
        if path.endswith(".html"):
            for link in _LINK.findall((live / path).read_text()):
                if not (live / link.lstrip("/")).is_file():
                    out.append(f"{path}: links to missing {link}")
    return out


def live_site(root: Path) -> dict[str, bytes]:
    """The site's own files as served (leaving out the carried assets of earlier releases)."""
    live = WebRoot(root).live_dir()
    assert live is not None
    own = read_release(live).files
    return {p: (live / p).read_bytes() for p in own}


def as_bytes(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {p: c.encode() if isinstance(c, str) else c for p, c in files.items()}
