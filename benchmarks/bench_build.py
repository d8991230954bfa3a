#!/usr/bin/env python3
"""Full-build speed of sitegen on the shared 4000-page corpus, next to Hugo in the same run.

    python benchmarks/bench_build.py [-n 4000] [-r 3] [--no-hugo] [--quick]

`--quick`: 60 pages, one round, no Hugo: that the benchmark still runs (CI), no figures.

Three sitegen rows:

- `sitegen`: the corpus folder as it is (no settings, no layout): sitegen's defaults, so the
  default theme, Pygments highlighting of the ~1300 code blocks and tag pages. This is the row
  `../shared/bench/run_peers.sh` measures.
- `sitegen-plain`: a copy with the default theme but without the blog features that cost time
  (`highlight = false`, `taxonomies = []`): the row against which those features are weighed.
- `sitegen-parity`: a copy with the work the peers' benchmark configurations do, no more: one
  layout like the Hugo site's `single.html`, no highlighting, no taxonomy pages
  (`../shared/bench/sites/hugo/hugo.toml` turns those off for Hugo).

A `python-floor` row (`benchmarks/python_floor.py`): the least a Python build made of sitegen's
native parts does, YAML's C loader + pyromark + one Jinja2 template + a write per page, on two
processes, nothing else. The distance of `sitegen-parity` from it is what sitegen's own work
(links, heading ids, caches, the model) costs; Hugo's distance from it, what Python costs.

After each cold build of the `sitegen` row, two rebuilds of the same output: `sitegen
no-change` (nothing edited) and `sitegen one-page edit` (a paragraph appended to one page's
body, restored afterwards), each a new `sitegen build` process, reported as a share of that
round's cold build. A third row, `preview one-page edit`, is the same edit rebuilt by the
preview's builder (sitegen.compiler.incremental), which keeps the last build's values in memory:
one process builds the site into a folder of its own (not timed), then the edit (timed).

Two Hugo rows: `hugo`, the peers' configuration, and `hugo-features`, the same site with code
highlighted with CSS classes and a page per tag, as sitegen's defaults do: what those features
cost Hugo, beside what they cost sitegen.

With `--before REV` (a git revision of this repository, e.g. the engine before a feature
landed) a `sitegen@REV` row builds the same corpus with that revision's code, run from a
temporary git worktree with this environment's Python: a before/after figure in one run.
`--before-tree DIR` does the same with a source tree already there (`git archive REV | tar -x
-C DIR`), leaving git alone.

Builds are interleaved, in a new order each round, so the drift of a shared machine hits every
tool alike, and the disks are synced before each timed build (a build must not pay for the
previous one's writes being flushed); the previous
output and sitegen's `.sitegen` cache folder are renamed away, not deleted, before a timed build
(so every build is cold, as in `run_peers.sh`; deleting thousands of files right before a build
slows the build's own writes on these disks). Ratios to Hugo, not seconds, are comparable
between runs.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench"
LAB = Path(os.environ.get("BENCH_LAB", Path.home() / ".cache" / "sitegen-bench"))

PARITY_LAYOUT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ page.title }} | {{ site.title }}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><a href="/">{{ site.title }}</a></header>
<main>
<article>
<h1>{{ page.title }}</h1>
<p class="meta"><time datetime="{{ page.date }}">{{ page.date }}</time>\
{% for t in page.tags %} <span class="tag">{{ t }}</span>{% endfor %}</p>
{{ content }}
</article>
</main>
<footer>Generated for a benchmark.</footer>
</body>
</html>
"""
PARITY_SETTINGS = 'title = "Bench site"\nhighlight = false\ntaxonomies = []\n'
# Hugo doing what sitegen's defaults do beyond the parity work: code highlighted with CSS classes
# (Chroma) and a page per tag, listed by a plain layout.
HUGO_LIST_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> \
<time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}</ul></main></body></html>
"""


def corpus(n: int) -> Path:
    site = LAB / "sites" / f"n{n}"
    if not (site / "plain" / "pages").is_dir():
        subprocess.run(["bash", str(SHARED / "prepare.sh"), str(n)], check=True)
    plain = site / "sitegen-plain" / "pages"
    if not plain.is_dir():
        shutil.copytree(site / "plain" / "pages", plain)
        (plain / "sitegen.toml").write_text(
            "highlight = false\ntaxonomies = []\n", encoding="utf-8"
        )
    parity = site / "sitegen-parity" / "pages"
    if not parity.is_dir():
        shutil.copytree(site / "plain" / "pages", parity)
        (parity / "_layout.html").write_text(PARITY_LAYOUT, encoding="utf-8")
        (parity / "sitegen.toml").write_text(PARITY_SETTINGS, encoding="utf-8")
    features = site / "hugo-features"
    if not features.is_dir() and (site / "hugo").is_dir():
        shutil.copytree(site / "hugo", features, ignore=shutil.ignore_patterns("public"))
        toml = features / "hugo.toml"
        settings = toml.read_text(encoding="utf-8")
        settings = settings.replace('"taxonomy", "term", ', "").replace(
            "codeFences = false", "codeFences = true\nnoClasses = false"
        )
        toml.write_text(settings, encoding="utf-8")
        (features / "layouts" / "_default" / "list.html").write_text(
            HUGO_LIST_LAYOUT, encoding="utf-8"
        )
    return site


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys, children included) and peak RSS (KB) of one run."""
    with tempfile.NamedTemporaryFile("r") as tf:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name, *cmd],
            cwd=cwd,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall, user, sys_, rss = tf.read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss)


REBUILDS = ("sitegen no-change", "sitegen one-page edit", "preview one-page edit")
# Run in a new process: a full preview build (not timed), then the edit, timed (seconds out).
PREVIEW_EDIT = """
import sys, time
from pathlib import Path
from sitegen.compiler.incremental import IncrementalBuilder
site, out, rel, extra = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
builder = IncrementalBuilder(site, out)
builder.build()
page = site / rel
original = page.read_bytes()
try:
    page.write_bytes(original + extra.encode())
    time.sleep(0.2)  # file times this fresh are not trusted (compiler/readpages.py)
    started, cpu = time.perf_counter(), time.process_time()
    update = builder.build([rel])
    assert not update.full, "the preview rebuilt everything"
    print(time.perf_counter() - started, time.process_time() - cpu)
finally:
    page.write_bytes(original)
"""
EDIT = "\n\nA paragraph added for the benchmark.\n"


def edited_page(cwd: Path) -> Path:
    pages = sorted((cwd / "pages").rglob("*.md"))
    return pages[len(pages) // 2]


def rebuilds(cmd: list[str], cwd: Path) -> list[tuple[float, float, int]]:
    """A no-change rebuild, then a one-page-edit rebuild, of the output just built."""
    os.sync()
    unchanged = timed(cmd, cwd)
    page = edited_page(cwd)
    original = page.read_bytes()
    try:
        page.write_bytes(original + EDIT.encode())
        os.sync()
        edited = timed(cmd, cwd)
    finally:
        page.write_bytes(original)
    return [unchanged, edited]


def preview_edit(cwd: Path) -> tuple[float, float, int]:
    """The one-page edit rebuilt by the preview's builder, after its own full build."""
    out = cwd / "out-preview"
    rel = edited_page(cwd).relative_to(cwd / "pages").as_posix()
    shutil.rmtree(out, ignore_errors=True)
    try:
        done = subprocess.run(
            [sys.executable, "-c", PREVIEW_EDIT, "pages", str(out), rel, EDIT],
            cwd=cwd,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    wall, cpu = done.stdout.split()[-2:]
    return float(wall), float(cpu), 0


Tools = dict[str, tuple[Path, list[str], str]]  # row -> (folder, command, output folder)
Results = dict[str, list[tuple[float, float, int]]]  # row -> (wall s, cpu s, peak KB) per round


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("-r", "--runs", type=int, default=3)
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--sitegen", default=shutil.which("sitegen") or f"{sys.executable} -m sitegen")
    ap.add_argument("--before", metavar="REV", help="add a row built by this git revision")
    ap.add_argument(
        "--before-tree",
        metavar="DIR",
        type=Path,
        help="add a row built by the sitegen source in DIR (e.g. an exported older revision)",
    )
    ap.add_argument("--quick", action="store_true", help="60 pages, one round, no Hugo")
    a = ap.parse_args()
    if a.quick:
        a.n, a.runs, a.no_hugo = 60, 1, True
    return a


BUILD_ARGS = ["build", "pages", "-o", "out-sitegen", "-q"]
FLOOR = HERE / "python_floor.py"
FLOOR_ARGS = ["--src", "pages", "--out", "out-floor"]


def rows_to_build(a: argparse.Namespace, site: Path) -> tuple[Tools, list[tuple[str, str]]]:
    """The tools' rows, and the (now, before) pairs to compare; `a.before` is made a worktree."""
    sitegen = [*a.sitegen.split(), *BUILD_ARGS]
    tools: Tools = {
        "sitegen": (site / "plain", sitegen, "out-sitegen"),
        "sitegen-plain": (site / "sitegen-plain", sitegen, "out-sitegen"),
        "sitegen-parity": (site / "sitegen-parity", sitegen, "out-sitegen"),
        # The least a Python build from the same native parts does (benchmarks/python_floor.py)
        "python-floor": (site / "plain", [sys.executable, str(FLOOR), *FLOOR_ARGS], "out-floor"),
    }
    before_rows = []
    for name, tree in before_trees(a):
        before = ["env", f"PYTHONPATH={tree}", sys.executable, "-m", "sitegen", *BUILD_ARGS]
        tools[f"sitegen@{name}"] = (site / "plain", before, "out-sitegen")
        before_rows.append(("sitegen", f"sitegen@{name}"))
    if not a.no_hugo and shutil.which("hugo"):
        tools["hugo"] = (site / "hugo", ["hugo", "--quiet"], "public")
        tools["hugo-features"] = (site / "hugo-features", ["hugo", "--quiet"], "public")
    return tools, before_rows


def before_trees(a: argparse.Namespace) -> list[tuple[str, Path]]:
    trees = []
    if a.before:
        a.worktree = Path(tempfile.mkdtemp(prefix="bench-before-", dir=LAB)) / "src"
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "--detach", str(a.worktree), a.before],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        trees.append((a.before, a.worktree))
    if a.before_tree:
        tree = a.before_tree.resolve()
        trees.append((tree.name, tree))
    return trees


def before_trees_of(tools: Tools) -> list[tuple[str, Path]]:
    """The source trees of the `sitegen@REV` rows (their PYTHONPATH)."""
    trees = []
    for tool, (_, cmd, _) in tools.items():
        for arg in cmd:
            if arg.startswith("PYTHONPATH="):
                trees.append((tool, Path(arg.removeprefix("PYTHONPATH="))))
    return trees


def compile_sources(trees: list[Path]) -> None:
    """Byte-compile the measured sitegen sources, as `pip install` does: with
    PYTHONDONTWRITEBYTECODE set (as on some CI machines) every build would otherwise compile
    its ~200 modules again, about 0.1 s that no user's installed sitegen pays."""
    spec = importlib.util.find_spec("sitegen")
    here = [Path(spec.origin).parent] if spec is not None and spec.origin else []
    for package in [*here, *(tree / "sitegen" for tree in trees)]:
        compileall.compile_dir(str(package), quiet=1)


def run_rounds(tools: Tools, runs: int) -> Results:
    """Every tool's cold build, interleaved in a new order each round; after each counted cold
    build of the `sitegen` row, its rebuilds."""
    trash = Path(tempfile.mkdtemp(prefix="bench-trash-", dir=LAB))
    results: Results = {t: [] for t in tools}
    results |= {name: [] for name in REBUILDS}
    try:
        for rep in range(runs + 1):  # round 0 warms the file cache and is not counted
            order = list(tools.items())
            random.Random(rep).shuffle(order)  # no tool always runs right after the same one
            for tool, (cwd, cmd, out) in order:
                for old in (cwd / out, cwd / ".sitegen"):
                    if old.exists():
                        old.rename(trash / f"{tool}-{old.name}-{time.time_ns()}")
                os.sync()  # the previous build's writes are flushed before this one, not during
                wall, cpu, rss = timed(cmd, cwd)
                if not rep:
                    continue
                results[tool].append((wall, cpu, rss))
                print(f"  {tool:15} run {rep}: {wall:6.2f} s  cpu {cpu:6.2f} s", file=sys.stderr)
                if tool == "sitegen":
                    rows = [*rebuilds(cmd, cwd), preview_edit(cwd)]
                    for name, row in zip(REBUILDS, rows, strict=True):
                        results[name].append(row)
    finally:
        shutil.rmtree(trash, ignore_errors=True)
    return results


def report(results: Results, n: int, runs: int, before_rows: list[tuple[str, str]]) -> None:
    hugo = statistics.median(w for w, _, _ in results["hugo"]) if "hugo" in results else None
    print("\nrebuilds of the sitegen row, share of the same round's cold build (median):")
    for name in REBUILDS:
        rows = results.pop(name)
        pairs = list(zip(rows, results["sitegen"], strict=True))
        wall = statistics.median(r[0] / c[0] for r, c in pairs)
        cpu = statistics.median(r[1] / c[1] for r, c in pairs)
        seconds = statistics.median(r[0] for r in rows)
        print(f"  {name:22}: wall {100 * wall:5.1f} %  cpu {100 * cpu:5.1f} %  ({seconds:.2f} s)")
    print(f"\n{n} pages, median of {runs} clean builds")
    print(
        f"{'tool':15} {'wall s':>7} {'cpu s':>7} {'pages/s':>8} {'peak MB':>8} {'wall x Hugo':>12}"
    )
    for tool, rows in results.items():
        wall = statistics.median(w for w, _, _ in rows)
        cpu = statistics.median(c for _, c, _ in rows)
        peak = max(r for _, _, r in rows) / 1024
        ratio = f"{wall / hugo:12.2f}" if hugo else f"{'-':>12}"
        print(f"{tool:15} {wall:7.2f} {cpu:7.2f} {n / wall:8.0f} {peak:8.0f} {ratio}")
    print("\nwhat highlighting, tag pages, code changes and sitegen's own work cost (wall, median")
    print("of the per-round ratios):")
    pairs = [("sitegen", "sitegen-plain"), ("hugo-features", "hugo"), *before_rows]
    pairs += [("sitegen-parity", "python-floor"), ("hugo", "python-floor")]  # above the floor
    for tool, base in pairs:
        if tool in results and base in results:
            pairs = zip(results[tool], results[base], strict=True)
            cost = statistics.median(t[0] / b[0] for t, b in pairs)
            print(f"  {tool} / {base}: {cost:.2f}")


def main() -> None:
    a = parse_args()
    a.worktree = None
    site = corpus(a.n)
    try:
        tools, before_rows = rows_to_build(a, site)
        compile_sources([tree for _, tree in before_trees_of(tools)])
        results = run_rounds(tools, a.runs)
    finally:
        if a.worktree is not None:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(a.worktree)]
            )
            shutil.rmtree(a.worktree.parent, ignore_errors=True)
    report(results, a.n, a.runs, before_rows)


if __name__ == "__main__":
    main()
