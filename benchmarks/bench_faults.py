"""Publishing under faults: the figures issue 10 asks for.

1. `--runs N` publishes of content-example (two versions in turn) to the real Nextcloud of
   ../shared/nextcloud through the test suite's fault proxy, a few percent of each fault kind on
   every request: how many succeed without help, how many fail cleanly, how many leave anything
   broken (a page linking to a missing file, an empty page); then one plain publish, after which
   the target must equal a local build and `verify` must pass.
2. A publish cut at every step of its plan (the in-memory store), then one plain publish: how many
   converge.

    .venv/bin/python benchmarks/bench_faults.py --runs 20          # starts its own Nextcloud
    .venv/bin/python benchmarks/bench_faults.py --quick            # CI: wsgidav, 4 runs
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.compiler.pipeline import BuildOptions, build_site  # noqa: E402
from sitegen.errors import SitegenError  # noqa: E402
from sitegen.publish.davtarget import DavTarget  # noqa: E402
from sitegen.publish.log import verify  # noqa: E402
from sitegen.publish.manifest import manifest_of_tree  # noqa: E402
from sitegen.publish.runner import PublishOptions, publish_tree  # noqa: E402
from sitegen.publish.store import Crash, MemoryStore  # noqa: E402
from sitegen.publish.storetarget import StoreTarget  # noqa: E402
from sitegen.webdav import Client, RetryPolicy  # noqa: E402
from tests.servers.faultproxy import FaultProxy  # noqa: E402

RATES = {
    "reset_before": 0.02,
    "reset_after": 0.02,
    "status_503": 0.02,
    "status_429": 0.02,
    "status_502": 0.01,
    "truncate": 0.02,
}
RETRY = RetryPolicy(attempts=6, base_delay=0.1, max_delay=2.0, deadline=60.0)


@contextmanager
def server(quick: bool, tmp: Path) -> Iterator[tuple[str, str, str, str]]:
    """(origin, DAV root path, user, password) of a Nextcloud, or wsgidav in quick mode."""
    if quick:
        from tests.webdav.webdav_servers import (
            NEXTCLOUD_ROOT,
            PASSWORD,
            USER,
            serve_wsgi,
            wsgidav_app,
        )

        (tmp / "dav").mkdir()
        with serve_wsgi(wsgidav_app(tmp / "dav")) as srv:
            yield srv.base, NEXTCLOUD_ROOT, USER, PASSWORD
        return
    from tests.servers.nextcloud import find_home, start, stop

    home = find_home()
    if home is None:
        sys.exit("../shared/nextcloud is absent: run with --quick")
    nc = start(home, tmp / "nc")
    try:
        yield nc.url, f"/remote.php/dav/files/{nc.user}", nc.user, nc.app_password
    finally:
        stop(home, tmp / "nc")


def versions(tmp: Path) -> list[Path]:
    a, b = tmp / "a", tmp / "b"
    build_site(ROOT / "content-example", a, BuildOptions())
    shutil.copytree(a, b)
    page = next(p for p in sorted(b.rglob("*.html")) if p.name == "index.html")
    page.write_text(page.read_text().replace("</body>", "<p>edited</p></body>"))
    (b / "notes.txt").write_text("a new file in version b\n")
    (b / "extra/deep").mkdir(parents=True)
    (b / "extra/deep/index.html").write_text('<a href="../../index.html">home</a>')
    return [a, b]


def broken_pages(target: StoreTarget) -> list[str]:
    listing = target.store.list_all() or {}
    files = {p for p, st in listing.items() if not st.is_dir}
    bad = []
    for page in sorted(p for p in files if p.endswith(".html")):
        html = target.store.read(page)
        if not html:
            bad.append(f"{page}: empty")
        for ref in re.findall(rb'(?:href|src)="([^"]*)"', html):
            rel = ref.decode().split("#")[0].split("?")[0]
            if not rel or rel.startswith("/") or re.match(r"[a-z][a-z0-9+.-]*:", rel):
                continue  # same page, site-absolute (checked by sitegen check), or external
            parts: list[str] = []
            for seg in (PurePosixPath(page).parent / rel).parts:
                if seg == "..":
                    parts = parts[:-1]
                elif seg not in (".", ""):
                    parts.append(seg)
            path = "/".join(parts)
            if path not in files and f"{path}/index.html" not in files and path:
                bad.append(f"{page} -> {rel}")
    return bad


def fault_runs(quick: bool, runs: int, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-faults-") as t:
        tmp = Path(t)
        outs = versions(tmp)
        with server(quick, tmp) as (origin, dav_root, user, password):

            def target(base: str) -> StoreTarget:
                url = f"{base}{dav_root}/bench-faults/site"
                client = Client(url, username=user, password=password, retry=RETRY)
                return DavTarget(client, label="bench", nextcloud=not quick)

            ok = failed = broken = 0
            with FaultProxy(origin, seed=seed, rates=RATES, retry_after="1") as proxy:
                for n in range(runs):
                    try:
                        publish_tree(outs[n % 2], target(proxy.url), PublishOptions())
                        ok += 1
                    except SitegenError as e:
                        failed += 1
                        print(f"run {n + 1}: failed cleanly: {str(e).splitlines()[0]}")
                    problems = broken_pages(target(origin))
                    broken += bool(problems)
                    for p in problems:
                        print(f"run {n + 1}: BROKEN {p}")
                faults = proxy.faults()
            last = outs[(runs - 1) % 2]
            publish_tree(last, target(origin), PublishOptions())
            final_ok = target(origin).held_files() == manifest_of_tree(last)
            verified = verify(target(origin)) == []
            kinds = {k: faults.count(k) for k in sorted(set(faults))}
            print(
                f"\nfaults: {len(faults)} injected {kinds}\n"
                f"| publishes through faults | succeeded | failed cleanly | left broken "
                f"| final = local build | verify |\n|---|---|---|---|---|---|\n"
                f"| {runs} | {ok} | {failed} | {broken} | {final_ok} | {verified} |"
            )


def crash_runs() -> None:
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-crash-") as t:
        a, b = versions(Path(t))
        clean = MemoryStore()
        publish_tree(a, StoreTarget(clean, workers=1), PublishOptions())
        clean.revive()
        publish_tree(b, StoreTarget(clean, workers=1), PublishOptions())
        steps = len(clean.steps)
        converged = 0
        for step in range(1, steps + 1):
            store = MemoryStore()
            publish_tree(a, StoreTarget(store, workers=1), PublishOptions())
            store.revive()
            store.fail_at(step)
            with suppress(Crash):
                publish_tree(b, StoreTarget(store, workers=1), PublishOptions())
            store.revive()
            publish_tree(b, StoreTarget(store, workers=1), PublishOptions())
            good = StoreTarget(store).held_files() == manifest_of_tree(b)
            converged += good and verify(StoreTarget(store)) == []
        print(
            f"\n| publish cut at step | steps | converged after one plain publish |\n"
            f"|---|---|---|\n| 1..{steps} (every step) | {steps} | {converged} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="wsgidav instead of Nextcloud, 4 runs")
    args = ap.parse_args()
    fault_runs(args.quick, 4 if args.quick else args.runs, args.seed)
    crash_runs()


if __name__ == "__main__":
    main()
