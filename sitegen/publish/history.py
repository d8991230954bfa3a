"""Layer 4: a store target's whole publish log, in chain order, with its base, for `verify`."""

from __future__ import annotations

from sitegen.errors import Diagnostic
from sitegen.publish.ledger import Layout, Ledger, lines_of
from sitegen.publish.manifest import LOG_PATH, MANIFEST_PATH, Entry
from sitegen.publish.target import History, LogEntry, decode_manifest


def read_history(ledger: Ledger, layout: Layout) -> History:
    """Every record (the old log, the closed segments, the journal) in order, and the base."""
    problems: list[Diagnostic] = []
    by_seq: dict[int, LogEntry] = {}

    def add(seq: int, entry: LogEntry) -> None:
        seen = by_seq.get(seq)
        if seen is None:
            by_seq[seq] = entry
        elif seen.data != entry.data:
            problems.append(
                Diagnostic(
                    entry.where,
                    entry.line,
                    f"record {seq} differs from its copy in {seen.where}",
                )
            )

    legacy = 0
    if LOG_PATH in layout.files:
        lines = lines_of(ledger.fetch(LOG_PATH, layout))
        legacy = len(lines)
        for n, line in enumerate(lines, start=1):
            add(n, LogEntry(LOG_PATH, n, line))
    for first, last, path in layout.segments:
        lines = lines_of(ledger.fetch(path, layout))
        if len(lines) != last - first + 1:
            problems.append(
                Diagnostic(
                    path, None, f"holds {len(lines)} records, its name says {last - first + 1}"
                )
            )
        for n, line in enumerate(lines):
            add(first + n, LogEntry(path, n + 1, line))
    for n, path in sorted(layout.records.items()):
        add(n, LogEntry(path, None, ledger.fetch(path, layout).rstrip(b"\n")))
    base: dict[str, Entry] = {}
    base_seq: int | None = None
    if MANIFEST_PATH in layout.files:
        base, _, extra = decode_manifest(ledger.fetch(MANIFEST_PATH, layout), MANIFEST_PATH)
        seq = extra.get("seq")
        base_seq = seq if isinstance(seq, int) and seq > 0 else (legacy or None)
    entries = [by_seq[n] for n in sorted(by_seq)]
    return History(entries, base, MANIFEST_PATH, base_seq, None, problems)
