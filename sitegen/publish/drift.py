"""Layer 4: what a store target really holds, against what its last manifest says.

A file whose ETag moved is read and hashed: the same bytes are no change; bytes that a killed
publish's lease said it would write are ours (the manifest takes them); anything else is drift,
reported and, with `repair`, folded into the manifest so the plan restores the site. Files a cut
run already deleted are simply gone; temporary uploads of killed runs are ours to delete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from sitegen.errors import Diagnostic
from sitegen.publish.ledger import Known
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
    state, etags = known.state, known.etags
    manifest = dict(state.manifest)
    drift: list[Diagnostic] = []
    held = {
        p: st
        for p, st in listing.items()
        if not st.is_dir and p != STATE_DIR and not p.startswith(STATE_DIR + "/")
    }
    for path, entry in state.manifest.items():
        st = held.get(path)
        if st is None and path not in state.published:  # a delete a cut run got to
            del manifest[path]
            continue
        if st is None:
            drift.append(
                Diagnostic(path, None, f"missing on the target since the last publish{_UPLOADS}")
            )
            if repair:
                del manifest[path]
            continue
        recorded = etags.get(path)
        if (recorded is not None and st.etag == recorded) or (
            recorded is None and st.size == entry.size
        ):
            continue
        sha = sha_of(path)
        if sha == entry.sha256 or sha in intent.get(path, ()):  # ours
            manifest[path] = Entry(sha, st.size)
            _set_etag(etags, path, st.etag)
            continue
        drift.append(
            Diagnostic(path, None, f"changed on the target since the last publish{_UPLOADS}")
        )
        if repair:
            manifest[path] = Entry(sha, st.size)
            _set_etag(etags, path, st.etag)
    for path, st in held.items():
        if path in state.manifest:
            continue
        if is_temp_name(path):  # a temporary upload of a killed run: removed by this one
            manifest[path] = Entry("", st.size)
            continue
        if path in intent:
            sha = sha_of(path)
            if sha in intent[path]:  # a new file a killed run sent
                manifest[path] = Entry(sha, st.size)
                _set_etag(etags, path, st.etag)
                continue
        if is_kept(path, keep):
            continue
        drift.append(Diagnostic(path, None, f"on the target but not in the last publish{_DELETES}"))
        if repair:
            manifest[path] = Entry("", st.size)  # not the site's: the plan deletes it
    drift.sort(key=lambda d: d.path)
    return replace(state, manifest=manifest, drift=tuple(drift))


def _set_etag(etags: dict[str, str], path: str, etag: str | None) -> None:
    if etag:
        etags[path] = etag
    else:
        etags.pop(path, None)
