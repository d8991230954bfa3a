"""Layer 4: what a store target really holds, against what its last manifest says.

A file whose ETag or size moved is read and hashed (the size too: Nextcloud can keep a file's
ETag through an overwrite, see `recorded_file`): the same bytes are no change; bytes that a killed
publish's lease said it would write are ours (the manifest takes them); anything else is drift,
reported and, with `repair`, folded into the manifest so the plan restores the site. Files a cut
run already deleted are simply gone; temporary uploads of killed runs are ours to delete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from sitegen.errors import Diagnostic
from sitegen.publish.ledger import Known, set_etag
from sitegen.publish.manifest import STATE_DIR, Entry
from sitegen.publish.plan import is_kept
from sitegen.publish.store import Stat, is_temp_name
from sitegen.publish.target import TargetState

_UPLOADS = " (publish --repair restores it)"
_DELETES = " (publish --repair deletes it)"


def reconcile(
    listing: dict[str, Stat],
    known: Known,
    intent: Mapping[str, tuple[str, ...]],
    *,
    keep: tuple[str, ...],
    repair: bool,
    sha_of: Callable[[str], str],
) -> TargetState:
    """The target's manifest corrected by what the listing shows; drift noted."""
    state = known.state
    held = _site_files(listing)
    fix = _Reconciling(dict(state.manifest), known.etags, intent, repair, sha_of)
    for path, entry in state.manifest.items():
        fix.recorded_file(path, entry, held.get(path), published=path in state.published)
    for path, st in held.items():
        if path not in state.manifest:
            fix.unrecorded_file(path, st, keep)
    drift = sorted(fix.drift, key=lambda d: d.path)
    return replace(state, manifest=fix.manifest, drift=tuple(drift))


def _site_files(listing: dict[str, Stat]) -> dict[str, Stat]:
    """The listing's files, without the folders and the target's own state folder."""
    return {
        p: st
        for p, st in listing.items()
        if not st.is_dir and p != STATE_DIR and not p.startswith(STATE_DIR + "/")
    }


@dataclass
class _Reconciling:
    """The manifest and ETags being corrected file by file, and the drift found so far."""

    manifest: dict[str, Entry]
    etags: dict[str, str]
    intent: Mapping[str, tuple[str, ...]]
    repair: bool
    sha_of: Callable[[str], str]
    drift: list[Diagnostic] = field(default_factory=list)

    def recorded_file(self, path: str, entry: Entry, st: Stat | None, *, published: bool) -> None:
        """A file the manifest names: gone, unchanged, rewritten by a killed run, or drifted."""
        if st is None and not published:  # a delete a cut run got to
            del self.manifest[path]
            return
        if st is None:
            self._drifted(path, f"missing on the target since the last publish{_UPLOADS}")
            if self.repair:
                del self.manifest[path]
            return
        # An ETag alone does not prove a file unchanged: Nextcloud keeps a file's ETag when an
        # overwrite lands in the second of the file's stored mtime, new size and bytes and all.
        recorded = self.etags.get(path)
        if st.size == entry.size and (recorded is None or st.etag == recorded):
            return
        sha = self.sha_of(path)
        if sha == entry.sha256 or sha in self.intent.get(path, ()):  # ours
            self._take(path, sha, st)
            return
        self._drifted(path, f"changed on the target since the last publish{_UPLOADS}")
        if self.repair:
            self._take(path, sha, st)

    def unrecorded_file(self, path: str, st: Stat, keep: tuple[str, ...]) -> None:
        """A file the manifest does not name: a killed run's, kept by the site, or drifted."""
        if is_temp_name(path):  # a temporary upload of a killed run: removed by this one
            self.manifest[path] = Entry("", st.size)
            return
        if path in self.intent:
            sha = self.sha_of(path)
            if sha in self.intent[path]:  # a new file a killed run sent
                self._take(path, sha, st)
                return
        if is_kept(path, keep):
            return
        self._drifted(path, f"on the target but not in the last publish{_DELETES}")
        if self.repair:
            self.manifest[path] = Entry("", st.size)  # not the site's: the plan deletes it

    def _take(self, path: str, sha: str, st: Stat) -> None:
        self.manifest[path] = Entry(sha, st.size)
        set_etag(self.etags, path, st.etag)

    def _drifted(self, path: str, message: str) -> None:
        self.drift.append(Diagnostic(path, None, message))
