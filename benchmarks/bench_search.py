"""What the themes' client-side search costs: build time, index size, bytes a search loads.

    .venv/bin/python benchmarks/bench_search.py [-n 4000] [--quick]

Builds the benchmark corpus (../shared/bench/make_corpus.py, seed 42) with the blog theme twice,
without and with `search_index`, and reports both build times, the size of `search-index/`, and
the bytes a search loads: meta.json, the term shards of its words and the document chunks of the
ten hits shown, exactly as themes/default/js/search.js fetches them, for one- and two-word
queries taken from page titles and text. --quick (for CI) builds 120 pages once.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.compiler.pipeline import BuildOptions, build_site  # noqa: E402
from sitegen.compiler.searchindex import FOLDER, words  # noqa: E402

CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"
SHOWN = 10


def make_corpus(tmp: Path, n: int) -> Path:
    if CORPUS.is_file():
        cmd = [sys.executable, str(CORPUS), "-n", str(n), "--seed", "42", "--out", str(tmp)]
        subprocess.run([*cmd, "--layout", "plain"], check=True, capture_output=True)
        site = tmp / "pages"
    else:  # a stand-in when the shared corpus is not there
        site = tmp / "pages"
        rng = random.Random(42)
        vocab = [f"{a}{b}" for a in ("lin", "nex", "pub", "sta", "the") for b in ("den", "t", "x")]
        for i in range(n):
            body = " ".join(rng.choice(vocab) for _ in range(400))
            (site / f"p{i % 20}").mkdir(parents=True, exist_ok=True)
            (site / f"p{i % 20}/page{i}.md").write_text(f"---\ntitle: Page {i}\n---\n{body}\n")
    return site


def build(site: Path, out: Path, search: bool) -> float:
    (site / "sitegen.toml").write_text(
        f'title = "Bench"\ntheme = "blog"\nsearch_index = {str(search).lower()}\n'
    )
    started = time.perf_counter()
    build_site(site, out, BuildOptions(clean=True))
    return time.perf_counter() - started


def loaded_bytes(index: Path, query: str) -> int:
    """Bytes search.js fetches for `query` (every word must match; the best ten are shown)."""
    meta = json.loads((index / "meta.json").read_bytes())
    fetched = {"meta.json"}
    maps = []
    for term in dict.fromkeys(words(query)):
        found: dict[int, float] = {}
        for key in (k for k in meta["shards"] if term.startswith(k)):
            fetched.add(f"t-{key}.json")
            for t, flat in json.loads((index / f"t-{key}.json").read_bytes()).items():
                if t.startswith(term):
                    doc = 0
                    for i in range(0, len(flat), 2):
                        doc += flat[i]
                        s = flat[i + 1] if t == term else flat[i + 1] / 2
                        found[doc] = max(found.get(doc, 0), s)
        maps.append(found)
    hits = sorted(
        (d for d in maps[0] if all(d in m for m in maps)),
        key=lambda d: -sum(m[d] for m in maps),
    )
    fetched |= {f"d-{d // meta['chunk']}.json" for d in hits[:SHOWN]}
    return sum((index / name).stat().st_size for name in fetched)


def queries(site: Path, count: int) -> list[str]:
    rng = random.Random(7)
    texts = [p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.md"))]
    pool = [w for t in rng.sample(texts, min(len(texts), 50)) for w in words(t) if len(w) > 3]
    one = [rng.choice(pool) for _ in range(count)]
    two = [f"{rng.choice(pool)} {rng.choice(pool)}" for _ in range(count)]
    short = [w[:3] for w in one]  # as typed: the first letters
    return one + two + short


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=4000, help="pages in the corpus")
    ap.add_argument("--quick", action="store_true", help="120 pages, one build each (CI)")
    args = ap.parse_args()
    n = 120 if args.quick else args.n
    with tempfile.TemporaryDirectory() as tmp:
        site = make_corpus(Path(tmp), n)
        plain = build(site, Path(tmp) / "out-plain", search=False)
        with_search = build(site, Path(tmp) / "out", search=True)
        index = Path(tmp) / "out" / FOLDER
        files = list(index.iterdir())
        sizes = sorted(loaded_bytes(index, q) for q in queries(site, 40))
        print(f"pages: {n}")
        print(f"build without search: {plain:.1f} s, with search: {with_search:.1f} s")
        print(f"index: {len(files)} files, {sum(f.stat().st_size for f in files) / 1e3:.0f} kB")
        print(
            f"one search loads: median {statistics.median(sizes) / 1e3:.1f} kB,"
            f" max {sizes[-1] / 1e3:.1f} kB over {len(sizes)} queries"
        )
        if sizes[-1] > 300_000:
            sys.exit(f"a search loaded {sizes[-1]} bytes, over the 300 kB budget")


if __name__ == "__main__":
    main()
