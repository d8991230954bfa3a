"""Layer 3: which folder a build may replace, checked before anything is written or deleted.

A build replaces its output folder whole (compiler/output.py), so the output must never be the site,
a folder holding the site, or a folder that holds someone else's files. Ownership is recorded
beside the output (`.sitegen/NAME.output`, next to the render cache) rather than in it, so the
record is never published: it names the output folder's device and inode, which change when the
folder is deleted and made again by hand. An output built by an older sitegen has no record yet
but has its render cache beside it (`.sitegen/NAME.render-cache.json`), and counts as sitegen's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sitegen.errors import SitegenError
from sitegen.model import is_within

REPLACE_FLAG = "--replace-output"


class OutputError(SitegenError):
    """The output folder given would destroy files sitegen did not make."""


def record_file(out_dir: Path) -> Path:
    return out_dir.parent / ".sitegen" / f"{out_dir.name}.output"


def check_output(site_dir: Path, out_dir: Path, *, replace: bool = False) -> None:
    """Raise OutputError unless a build of `site_dir` may replace `out_dir` whole."""
    site, out = os.path.realpath(site_dir), os.path.realpath(out_dir)
    if site == out:
        raise OutputError(
            f"{out_dir}: the output folder is the site's own folder; a build would replace the "
            f"site's files. Build into a folder of its own, e.g. -o public"
        )
    if is_within(site, out):
        raise OutputError(
            f"{out_dir}: the output folder holds the site ({site_dir}); a build would replace "
            "it with the built pages. Build into a folder of its own, e.g. -o public"
        )
    if not os.path.lexists(out):
        return
    if not os.path.isdir(out):
        raise OutputError(f"{out_dir}: exists and is not a folder")
    with os.scandir(out) as it:
        names = sorted(entry.name for entry in it)
    if not names or is_owned(Path(out)):
        return
    if is_within(out, site):
        raise OutputError(
            f"{out_dir}: the output folder is part of the site and holds files sitegen did not "
            "make; a build would replace them. Build into a new or empty folder"
        )
    if replace:
        return
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    what = "1 entry" if len(names) == 1 else f"{len(names)} entries"
    raise OutputError(
        f"{out_dir}: the output folder holds {what} sitegen did not make ({shown}); a build "
        f"would delete {'it' if len(names) == 1 else 'them'}. Build into a new or empty folder, "
        f"or pass {REPLACE_FLAG} to replace its contents"
    )


def is_owned(out_dir: Path) -> bool:
    """Whether `out_dir` is a folder sitegen built (its record matches, or an older sitegen's
    render cache is beside it and no record says otherwise)."""
    try:
        record = json.loads(record_file(out_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return (out_dir.parent / ".sitegen" / f"{out_dir.name}.render-cache.json").is_file()
    except (OSError, ValueError):
        return False
    st = os.stat(out_dir)
    return isinstance(record, dict) and record == {"dev": st.st_dev, "ino": st.st_ino}


def mark_owned(out_dir: Path) -> None:
    """Record that `out_dir`, as it is now, is sitegen's to replace."""
    st = os.stat(out_dir)
    path = record_file(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"dev": st.st_dev, "ino": st.st_ino}), encoding="utf-8")
    os.replace(tmp, path)
