#!/usr/bin/env python3
"""The floor of a Python static-site build with sitegen's native parts: the least any Python
generator built from them must do, for `bench_build.py`'s `python-floor` row.

For every SRC/**/*.md: split off the YAML front matter (PyYAML's C loader), render the body with
pyromark (pulldown-cmark, sitegen's default engine, with sitegen's options), put it into one
Jinja2 template like the parity layout, write OUT/<path without .md>/index.html. Two processes
(fork), each taking every other page. No links resolved, no heading ids, no lists, no caches: a
floor, not a generator. `../shared/bench/baseline_py.py` is the same with pure-Python Markdown.

    python benchmarks/python_floor.py --src pages --out out-floor [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import jinja2
import pyromark
import yaml
from markupsafe import Markup

TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }} | Bench site</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><a href="/">Bench site</a></header>
<main>
<article>
<h1>{{ title }}</h1>
<p class="meta"><time datetime="{{ date }}">{{ date }}</time>\
{% for t in tags %} <span class="tag">{{ t }}</span>{% endfor %}</p>
{{ content }}
</article>
</main>
<footer>Generated for a benchmark.</footer>
</body>
</html>
"""
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def build(src: str, out: str, pages: list[str]) -> None:
    o = pyromark.Options
    flags = o.ENABLE_TABLES | o.ENABLE_FOOTNOTES | o.ENABLE_STRIKETHROUGH | o.ENABLE_TASKLISTS
    md = pyromark.Markdown(options=flags | o.ENABLE_HEADING_ATTRIBUTES | o.ENABLE_GFM)
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    for rel in pages:
        with open(os.path.join(src, rel), encoding="utf-8") as f:
            text = f.read()
        meta: dict[str, Any] = {}
        if text.startswith("---\n") and (end := text.find("\n---\n", 4)) != -1:
            meta, text = yaml.load(text[4:end], Loader=LOADER) or {}, text[end + 5 :]
        page = template.render(
            title=meta.get("title", ""),
            date=meta.get("date", ""),
            tags=meta.get("tags") or [],
            content=Markup(md.html(text)),
        )
        dest = os.path.join(out, rel[:-3], "index.html")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(page)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    pages = sorted(
        os.path.relpath(os.path.join(d, f), a.src)
        for d, _, files in os.walk(a.src)
        for f in files
        if f.endswith(".md")
    )
    children = []
    for i in range(1, a.jobs):
        pid = os.fork()
        if pid == 0:
            build(a.src, a.out, pages[i :: a.jobs])
            os._exit(0)
        children.append(pid)
    build(a.src, a.out, pages[:: a.jobs])
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    if failed:
        sys.exit(f"{len(failed)} worker(s) failed")


if __name__ == "__main__":
    main()
