"""Layer 3: the publish plan, a pure diff of the built manifest against what the target holds.

The plan decides what moves and in which order; backends only carry it out. Order matters on
targets without an atomic switch: a reader must never meet a page whose stylesheet, script or
image has not arrived yet, so assets go first, pages after them, deletions last.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from sitegen.changes import diff_listings
from sitegen.errors import ConfigError, Diagnostic, PublishError
from sitegen.publish.manifest import Entry, Manifest

# Files a site does not own: a target's custom-domain file and ACME / security.txt folder.
DEFAULT_KEEP: tuple[str, ...] = ("CNAME", ".well-known/")

# Documents that link to other files; uploaded after everything they may link to.
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".xml", ".rss", ".atom")
# Assets that reference other assets (url() in CSS, imports in JS, <image> in SVG).
REFERRING_ASSET_SUFFIXES = (".css", ".js", ".mjs", ".svg", ".webmanifest")

# Nextcloud's FilenameValidator (server 30+): names refused by default.
NEXTCLOUD_FORBIDDEN_NAMES = frozenset({".htaccess"})
NEXTCLOUD_FORBIDDEN_EXTENSIONS = (".part", ".filepart")
NEXTCLOUD_FORBIDDEN_CHARS = "\\/"
NEXTCLOUD_MAX_NAME_BYTES = 250  # oc_filecache limits a name to 250 bytes
_CONTROL = re.compile(r"[\x00-\x1f]")


def is_kept(path: str, keep: Iterable[str]) -> bool:
    """`dir/` keeps a folder and everything below it; any other pattern is an fnmatch glob."""
    for pattern in keep:
        if pattern.endswith("/"):
            if path.startswith(pattern):
                return True
        elif fnmatch.fnmatchcase(path, pattern):
            return True
    return False


def is_page(path: str) -> bool:
    return path.lower().endswith(PAGE_SUFFIXES)


def upload_rank(path: str, is_new: bool) -> int:
    """The upload group of a file: 0-1 new assets, 2-3 changed assets, 4 new and 5 changed pages."""
    if is_page(path):
        return 4 if is_new else 5  # a changed page may link to a new one, never the reverse order
    refers = path.lower().endswith(REFERRING_ASSET_SUFFIXES)
    return (0 if is_new else 2) + (1 if refers else 0)


@dataclass(frozen=True)
class DeleteCap:
    """At most `count` files, or `percent` % of the target's files, deleted without --yes."""

    count: int | None = None
    percent: float | None = 50.0

    @classmethod
    def parse(cls, text: str) -> DeleteCap:
        t = text.strip()
        try:
            if t.endswith("%"):
                p = float(t[:-1])
                if not 0 <= p <= 100:
                    raise ValueError(t)
                return cls(percent=p)
            n = int(t)
            if n < 0:
                raise ValueError(t)
            return cls(count=n, percent=None)
        except ValueError:
            msg = f"--max-delete: expected N or P% (such as 20 or 50%), got {text!r}"
            raise ConfigError(msg) from None

    def limit(self, target_files: int) -> int:
        if self.count is not None:
            return self.count
        return int(target_files * (self.percent or 0.0) / 100)

    def __str__(self) -> str:
        return str(self.count) if self.count is not None else f"{self.percent:g}%"


@dataclass(frozen=True)
class Plan:
    source: Manifest
    target: Manifest
    new: tuple[str, ...]
    changed: tuple[str, ...]
    deleted: tuple[str, ...]
    kept: tuple[str, ...] = field(default=())  # would be deleted, but the site does not own them

    @property
    def empty(self) -> bool:
        return not (self.new or self.changed or self.deleted)

    @property
    def new_bytes(self) -> int:
        return sum(self.source[p].size for p in self.new)

    @property
    def changed_bytes(self) -> int:
        return sum(self.source[p].size for p in self.changed)

    @property
    def deleted_bytes(self) -> int:
        return sum(self.target[p].size for p in self.deleted)

    def uploads(self) -> list[str]:
        """New assets, changed assets, new pages, changed pages (each group sorted by path)."""
        ranked = [(upload_rank(p, True), p) for p in self.new]
        ranked += [(upload_rank(p, False), p) for p in self.changed]
        return [p for _, p in sorted(ranked)]

    def upload_batches(self, links: Mapping[str, Iterable[str]] | None = None) -> list[list[str]]:
        """The uploads as batches to send one after the other (each may go in parallel): the
        groups of `uploads()`, with the new pages split so that a new page comes after the new
        pages it links to (`links`: page -> paths it refers to). Pages on a link cycle go in
        one batch after the others: no order can serve them all."""
        changed = set(self.changed)
        batches: list[list[str]] = []
        for rank, group in groupby(self.uploads(), key=lambda p: upload_rank(p, p not in changed)):
            paths = list(group)
            if rank == 4 and links:
                batches.extend(link_order(paths, links))
            else:
                batches.append(paths)
        return batches

    def deletes(self) -> list[str]:
        """Pages first, so no remaining page is left linking to an asset already gone."""
        return sorted(self.deleted, key=lambda p: (not is_page(p), p))

    def folders_to_create(self) -> list[str]:
        """Parent folders of uploads that no file of the target lives in, shallowest first."""
        existing = {_parent(p) for p in self.target} | {""}
        existing |= {a for p in existing for a in _ancestors(p)}
        wanted = {a for p in self.uploads() for a in (*_ancestors(_parent(p)), _parent(p))}
        return sorted(wanted - existing, key=lambda d: (d.count("/"), d))

    def delete_count_exceeds(self, cap: DeleteCap) -> bool:
        return len(self.deleted) > cap.limit(len(self.target))

    def summary(self) -> str:
        lines = [
            f"new      {len(self.new):>6} files {_human(self.new_bytes):>10}",
            f"changed  {len(self.changed):>6} files {_human(self.changed_bytes):>10}",
            f"deleted  {len(self.deleted):>6} files {_human(self.deleted_bytes):>10}",
        ]
        if self.kept:
            lines.append(f"kept     {len(self.kept):>6} files (not the site's: keep list)")
        unchanged = len(self.source) - len(self.new) - len(self.changed)
        lines.append(f"unchanged {unchanged:>5} files")
        return "\n".join(lines)

    def details(self) -> str:
        rows = [f"+ {p}" for p in self.new] + [f"~ {p}" for p in self.changed]
        rows += [f"- {p}" for p in self.deleted] + [f"= {p} (kept)" for p in self.kept]
        return "\n".join(rows)


def link_order(pages: Sequence[str], links: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """`pages` in batches, each page after every page of `pages` it links to (Kahn's algorithm
    by levels); what is left on cycles goes last, in one batch."""
    todo = set(pages)
    needs = {p: {q for q in links.get(p, ()) if q in todo and q != p} for p in pages}
    batches: list[list[str]] = []
    while todo:
        ready = sorted(p for p in todo if not needs[p] & todo)
        if not ready:  # a cycle: accept that one of them may briefly link to a missing page
            batches.append(sorted(todo))
            break
        batches.append(ready)
        todo -= set(ready)
    return batches


def make_plan(source: Manifest, target: Manifest, keep: Sequence[str] = DEFAULT_KEEP) -> Plan:
    changes = diff_listings(target, source)
    deleted = tuple(p for p in changes.removed if not is_kept(p, keep))
    kept = tuple(p for p in changes.removed if is_kept(p, keep))
    return Plan(dict(source), dict(target), changes.added, changes.changed, deleted, kept)


def apply_to_manifest(plan: Plan, target: Manifest) -> dict[str, Entry]:
    """What `target` holds after the plan: the model every backend must agree with."""
    result = {p: e for p, e in target.items() if p not in set(plan.deleted)}
    for p in plan.uploads():
        result[p] = plan.source[p]
    return result


def check_delete_cap(plan: Plan, cap: DeleteCap, confirmed: bool) -> None:
    if plan.delete_count_exceeds(cap) and not confirmed:
        raise PublishError(
            f"refusing to delete {len(plan.deleted)} of the target's {len(plan.target)} files "
            f"(more than --max-delete {cap}); check the plan with --dry-run, then pass --yes"
        )


def nextcloud_refusal(name: str) -> str | None:
    """Why Nextcloud would refuse one path segment, or None."""
    lowered = name.lower()
    if not name.strip() or name.strip() in (".", ".."):
        return "empty or dot-only names are refused"
    if lowered in NEXTCLOUD_FORBIDDEN_NAMES:
        return f'"{name}" is a forbidden file or folder name'
    for ext in NEXTCLOUD_FORBIDDEN_EXTENSIONS:
        if lowered.endswith(ext):
            return f'"{ext}" is a forbidden file type (Nextcloud uses it for partial uploads)'
    for ch in NEXTCLOUD_FORBIDDEN_CHARS:
        if ch in name:
            return f'"{ch}" is not allowed inside a file or folder name'
    if _CONTROL.search(name):
        return "control characters are not allowed in names"
    if len(name.encode()) > NEXTCLOUD_MAX_NAME_BYTES:
        return f"names longer than {NEXTCLOUD_MAX_NAME_BYTES} bytes are refused"
    return None


def refused_names(paths: Iterable[str]) -> list[Diagnostic]:
    """Every upload Nextcloud would refuse, one diagnostic per file, before anything is sent."""
    out = []
    for path in sorted(paths):
        for segment in path.split("/"):
            reason = nextcloud_refusal(segment)
            if reason:
                out.append(Diagnostic(path, None, f"Nextcloud refuses this name: {reason}"))
                break
    return out


def check_names(plan: Plan) -> None:
    problems = refused_names(plan.uploads())
    if problems:
        head = "\n".join(str(d) for d in problems)
        raise PublishError(
            f"{head}\n{len(problems)} file(s) cannot be published to Nextcloud; "
            "nothing was uploaded",
            problems,
        )


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


def _ancestors(folder: str) -> list[str]:
    parts = folder.split("/") if folder else []
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
