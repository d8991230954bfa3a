"""How long `sitegen verify TARGET --key K --file PATH` takes to check its proof.

    .venv/bin/python benchmarks/bench_verify_proof.py [--records 5000] [--files 4000] [--quick]

Publishes a web root once (FILES pages), then appends RECORDS signed records to its log, each
changing a handful of pages (one of them the page proved), as steady publishing would. Then it
times the proof: reading the log (`history()`), one sha256 per record line, reading each record's
JSON, and the Ed25519 checks of the newest record and the rows shown. Reports the median of
several runs, in milliseconds. --quick (for CI) uses 300 records and 200 pages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.publish.manifest import LOG_PATH, Entry, hash_bytes, make_delta  # noqa: E402
from sitegen.publish.proof import prove  # noqa: E402
from sitegen.publish.record import line_sha256, new_record  # noqa: E402
from sitegen.publish.runner import PublishOptions, publish_tree  # noqa: E402
from sitegen.publish.signing import load_signer  # noqa: E402
from sitegen.publish.webroot import WebRoot  # noqa: E402

PROVED = "p/00007.html"


def make_target(tmp: Path, records: int, files: int) -> tuple[WebRoot, object]:
    signer = load_signer(tmp / "state" / "signing-key.pem")
    out = tmp / "out" / "p"
    out.mkdir(parents=True)
    for n in range(files):
        (out / f"{n:05}.html").write_text(f"page {n}")
    target = WebRoot(tmp / "www")
    publish_tree(tmp / "out", target, PublishOptions(signer=signer))
    manifest: dict[str, Entry] = dict(target.read_state().published)
    log = tmp / "www" / LOG_PATH
    prev_line = log.read_bytes().rstrip(b"\n")
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with log.open("ab") as f:
        for seq in range(2, records + 2):
            changed = {f"p/{(seq * 37 + k) % files:05}.html" for k in range(4)}
            if seq % 50 == 0:
                changed.add(PROVED)
            after = dict(manifest)
            for p in changed:
                after[p] = hash_bytes(f"{p} v{seq}".encode())
            rec = new_record(
                line_sha256(prev_line),
                seq,
                when + timedelta(hours=seq),
                f"etag{seq}",
                after,
                make_delta(manifest, after, {}),
                signer,
            )
            prev_line = rec.to_line().rstrip(b"\n")
            f.write(prev_line + b"\n")
            manifest = after
    return target, signer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=5000)
    ap.add_argument("--files", type=int, default=4000)
    ap.add_argument("--quick", action="store_true", help="300 records, 200 pages (CI)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if args.quick:
        args.records, args.files, args.runs = 300, 200, 3
    with tempfile.TemporaryDirectory(prefix="bench-proof-") as tmp:
        target, signer = make_target(Path(tmp), args.records, args.files)
        key = signer.public  # type: ignore[attr-defined]
        size = (Path(tmp) / "www" / LOG_PATH).stat().st_size
        times, checks = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            history = target.history()
            t1 = time.perf_counter()
            rows = prove(history, key, PROVED)
            t2 = time.perf_counter()
            times.append((t2 - t0) * 1000)
            checks.append((t2 - t1) * 1000)
        assert rows and all(r.problem is None for r in rows), rows
        print(
            f"{args.records + 1} signed records ({size // 1024} KB of log), {args.files} pages: "
            f"proof of {PROVED} ({len(rows)} rows, all verified) in "
            f"{statistics.median(times):.1f} ms median "
            f"(of which {statistics.median(checks):.1f} ms checking, the rest reading the log)"
        )


if __name__ == "__main__":
    main()
