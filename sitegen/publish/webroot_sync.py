"""Layer 4: `sync` mode of a web root, for hosts without symlinks: the root is updated in place.

Order: new and changed files (new pages after the new pages they link to), each written under
`.sitegen/tmp/` and renamed over the old one, so no reader ever meets a partial file; then the
manifest (listing the deletes still to do), the log record, the deletes, and the manifest again.
A run cut anywhere is completed by the next one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sitegen.publish.links import new_page_batches
from sitegen.publish.manifest import LOG_PATH, MANIFEST_PATH
from sitegen.publish.plan import Plan, apply_to_manifest
from sitegen.publish.record import Record
from sitegen.publish.target import Progress, encode_manifest
from sitegen.publish.webroot_files import (
    append_line,
    remove_empty_parents,
    replace_from,
    tmp_dir,
    write_atomic,
)

Step = Callable[[str], None]  # told the name of each step before it is taken (tests cut there)


def apply_sync(
    root: Path,
    plan: Plan,
    out_dir: Path,
    record: Record | None,
    progress: Progress | None,
    step: Step,
) -> None:
    result = apply_to_manifest(plan, plan.target)
    tmp = tmp_dir(root)
    shutil.rmtree(tmp, ignore_errors=True)  # parts of files a cut run was writing
    for path in [p for batch in new_page_batches(plan, out_dir) for p in batch]:
        step(f"write {path}")
        replace_from(out_dir / path, root / path, tmp)
        if progress:
            progress(path, plan.source[path].size)
    pending = {p: plan.target[p] for p in plan.deleted}
    step("manifest")
    write_atomic(root / MANIFEST_PATH, encode_manifest(result, pending))
    if record is not None:
        step("record")
        append_line(root / LOG_PATH, record.to_line())
    for path in plan.deletes():
        step(f"delete {path}")
        (root / path).unlink(missing_ok=True)
        remove_empty_parents(root, path)
    if pending:
        step("manifest done")
        write_atomic(root / MANIFEST_PATH, encode_manifest(result))
