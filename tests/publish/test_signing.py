"""The signed publish log: round trips, tampering, re-chaining, other keys, unsigned logs, and
a proof for one file, on a web root and on the in-process WebDAV server."""

from __future__ import annotations

import base64
import json
import stat
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.errors import ConfigError
from sitegen.publish.log import check_chain, check_signatures, rebuild, verify
from sitegen.publish.manifest import LOG_PATH, Entry, hash_bytes, make_delta
from sitegen.publish.plan import DeleteCap
from sitegen.publish.proof import prove
from sitegen.publish.record import Record, line_sha256, new_record
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.signing import PublicKey, Signer, load_signer
from sitegen.publish.target import History, LogEntry
from sitegen.publish.webroot import WebRoot
from tests.publish.conftest import Dav
from tests.publish.helpers import write_tree


def site(n: int) -> dict[str, str | bytes]:
    """index.html changes every time, about.html never, news/N.html appears each time."""
    return {"index.html": f"home v{n}", "about.html": "about", f"news/{n}.html": f"news {n}"}


def publish(tmp_path: Path, target: object, n: int, signer: Signer | None) -> None:
    out = write_tree(tmp_path / "out", site(n))
    options = PublishOptions(max_delete=DeleteCap(percent=100), signer=signer)
    publish_tree(out, target, options)  # type: ignore[arg-type]


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return load_signer(tmp_path / "state" / "signing-key.pem")


@pytest.fixture
def root(tmp_path: Path, signer: Signer) -> WebRoot:
    target = WebRoot(tmp_path / "www")
    for n in (1, 2, 3):
        publish(tmp_path, target, n, signer)
    return target


def log_lines(root: WebRoot) -> list[bytes]:
    return (root.root / LOG_PATH).read_bytes().splitlines()


def write_lines(root: WebRoot, lines: list[bytes]) -> None:
    (root.root / LOG_PATH).write_bytes(b"".join(line + b"\n" for line in lines))


def messages(target: object, key: PublicKey) -> list[str]:
    return [str(d) for d in verify(target, key=key)]  # type: ignore[arg-type]


def test_signed_records_verify_with_the_publishers_key(root: WebRoot, signer: Signer) -> None:
    recs = [Record.from_line(line) for line in log_lines(root)]
    assert [r.key_id for r in recs] == [signer.key_id] * 3
    assert all(r.sig is not None and len(r.sig) == 64 for r in recs)
    assert messages(root, signer.public) == []
    assert verify(root) == []  # without a key: the chain and the files, as before


def test_a_record_changed_after_signing_is_reported(root: WebRoot, signer: Signer) -> None:
    lines = log_lines(root)
    doc = json.loads(lines[2])
    doc["source"] = "forged"  # the newest record: no later record's prev notices it
    lines[2] = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    write_lines(root, lines)
    assert messages(root, signer.public) == [
        ".sitegen/publish-log.jsonl:3: record 3: bad signature: changed after it was signed"
    ]
    assert verify(root) == []  # the chain alone cannot see it


def test_a_history_re_chained_without_the_key_is_reported(root: WebRoot, signer: Signer) -> None:
    lines = log_lines(root)
    first = Record.from_line(lines[0])
    lines[0] = replace(first, source="forged").to_line().rstrip(b"\n")
    for n in (1, 2):  # re-link every later record, as someone without the key can
        rec = Record.from_line(lines[n])
        lines[n] = replace(rec, prev=line_sha256(lines[n - 1])).to_line().rstrip(b"\n")
    write_lines(root, lines)
    assert verify(root) == []  # consistent: the chain holds
    assert messages(root, signer.public) == [
        ".sitegen/publish-log.jsonl:1: record 1: bad signature: changed after it was signed",
        ".sitegen/publish-log.jsonl:2: record 2: rewritten history: re-chained to a changed "
        "record without the publisher's key (bad signature)",
        ".sitegen/publish-log.jsonl:3: record 3: rewritten history: re-chained to a changed "
        "record without the publisher's key (bad signature)",
    ]


def test_records_signed_by_another_key_are_reported(
    root: WebRoot, signer: Signer, tmp_path: Path
) -> None:
    other = load_signer(tmp_path / "other.pem")
    assert messages(root, other.public) == [
        f".sitegen/publish-log.jsonl:{n}: record {n}: signed by another key "
        f"(key id {signer.key_id}, not {other.key_id})"
        for n in (1, 2, 3)
    ]


def test_unsigned_old_records_verify_and_unsigned_after_signed_is_reported(
    tmp_path: Path, signer: Signer
) -> None:
    target = WebRoot(tmp_path / "www")
    publish(tmp_path, target, 1, None)  # published before signing existed
    assert verify(target) == []
    assert messages(target, signer.public) == [
        f".sitegen/publish-log.jsonl: no record is signed: nothing vouches for this log "
        f"(key id {signer.key_id})"
    ]
    publish(tmp_path, target, 2, signer)
    assert messages(target, signer.public) == []  # old unsigned records before signed ones
    publish(tmp_path, target, 3, None)  # someone without the key publishes
    assert messages(target, signer.public) == [
        ".sitegen/publish-log.jsonl:3: record 3: unsigned record after signed ones: "
        "written without the publisher's key"
    ]


def test_a_re_encoded_signature_is_not_the_signed_line(root: WebRoot, signer: Signer) -> None:
    """Base64's last character carries spare bits: another character can decode to the same
    signature. The stored line must be the canonical one that was signed."""
    lines = log_lines(root)
    doc = json.loads(lines[2])
    sig = doc["sig"]
    assert sig.endswith("==")
    spare = {"A": "B", "Q": "R", "g": "h", "w": "x"}.get(sig[-3])
    assert spare is not None, sig
    doc["sig"] = sig[:-3] + spare + "=="
    assert base64.b64decode(doc["sig"]) == base64.b64decode(sig)
    lines[2] = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    write_lines(root, lines)
    assert messages(root, signer.public) == [
        ".sitegen/publish-log.jsonl:3: record 3: bad signature: changed after it was signed"
    ]


def test_proof_for_one_file_on_a_web_root(root: WebRoot, signer: Signer) -> None:
    rows = prove(root.history(), signer.public, "index.html")
    assert [(r.seq, r.change, r.problem) for r in rows] == [
        (3, "published", None),
        (2, "published", None),
    ]
    assert rows[0].sha256 == root.held_files()["index.html"].sha256
    gone = prove(root.history(), signer.public, "news/1.html")
    assert [(r.seq, r.change) for r in gone] == [(2, "deleted")]
    assert prove(root.history(), signer.public, "nowhere.html") == []
    lines = log_lines(root)
    doc = json.loads(lines[2])
    doc["time"] = "2030-01-01T00:00:00Z"
    lines[2] = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    write_lines(root, lines)
    rows = prove(root.history(), signer.public, "index.html")
    assert [(r.seq, r.problem) for r in rows] == [
        (3, "record 3: bad signature"),
        (2, "the newest record 3: bad signature"),
    ]


def test_a_proof_row_cut_off_from_the_newest_record_is_not_verified(
    root: WebRoot, signer: Signer
) -> None:
    lines = log_lines(root)
    write_lines(root, [*lines[:2], b'{"inserted":"by someone"}', lines[2]])
    rows = prove(root.history(), signer.public, "index.html")
    assert [(r.seq, r.problem) for r in rows] == [
        (3, None),
        (2, "the chain is broken between this record and the newest"),
    ]


def test_a_file_no_delta_names_is_proved_from_the_full_manifest(
    tmp_path: Path, signer: Signer
) -> None:
    """A file unchanged since the first publish (whose record carries no delta): the target's
    full manifest holds it, and the record whose manifest sha256 it has vouches for it."""
    target = WebRoot(tmp_path / "www")
    publish(tmp_path, target, 1, signer)
    rows = prove(target.history(), signer.public, "about.html")
    assert [(r.seq, r.change, r.problem) for r in rows] == [(1, "held", None)]
    (target.root / "current" / ".sitegen" / "manifest.json").write_text(
        '{"files":{"about.html":["' + "0" * 64 + '",5]},"version":1}'
    )
    rows = prove(target.history(), signer.public, "about.html")
    assert [r.problem for r in rows] == [
        ".sitegen/manifest.json does not match the manifest sha256 of record 1"
    ]


def test_round_trip_and_tamper_on_a_webdav_target(tmp_path: Path, dav: Dav, signer: Signer) -> None:
    for n in (1, 2, 3):
        publish(tmp_path, dav.target(), n, signer)
    assert messages(dav.target(), signer.public) == []
    rows = prove(dav.target().history(), signer.public, "index.html")
    assert [(r.seq, r.problem) for r in rows] == [(3, None), (2, None)]
    # about.html never changed since the first publish, whose record carries no delta (the base
    # is its manifest until a compaction): the base proves it, vouched for by record 1.
    about = prove(dav.target().history(), signer.public, "about.html")
    assert [(r.seq, r.change, r.problem) for r in about] == [(1, "held", None)]
    journal = dav.root / ".sitegen" / "journal" / "000002.json"
    doc = json.loads(journal.read_bytes())
    doc["time"] = "2030-01-01T00:00:00Z"
    journal.write_bytes(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    assert messages(dav.target(), signer.public) == [
        ".sitegen/journal/000003.json: broken chain: prev does not match the sha256 of the "
        "record before",
        ".sitegen/journal/000002.json: record 2: bad signature: changed after it was signed",
    ]


def test_the_key_file_is_private_and_made_once(tmp_path: Path) -> None:
    path = tmp_path / "state" / "signing-key.pem"
    first = load_signer(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signer(path).key_id == first.key_id
    assert b"PRIVATE KEY" in path.read_bytes()
    path.chmod(0o644)
    with pytest.raises(ConfigError) as exc:
        load_signer(path)
    assert str(exc.value) == (
        f"{path}: the signing key is readable by others (mode 0644); run `chmod 600 {path}`"
    )


def test_public_keys_parse_as_base64_hex_or_a_file(tmp_path: Path, signer: Signer) -> None:
    text = signer.public.text
    assert len(text) == 44
    assert PublicKey.parse(text).key_id == signer.key_id
    assert PublicKey.parse(signer.public.raw.hex()).key_id == signer.key_id
    (tmp_path / "pub.txt").write_text(text + "\n")
    assert PublicKey.parse(str(tmp_path / "pub.txt")).key_id == signer.key_id
    with pytest.raises(ConfigError) as exc:
        PublicKey.parse("not-a-key")
    assert str(exc.value).startswith("--key: not a public key (expected 44 characters")


def _signed_log(signer: Signer) -> tuple[list[bytes], dict[str, Entry]]:
    """Three signed records, the later two with deltas (one writes, one deletes)."""
    manifests: list[dict[str, Entry]] = [
        {"a.html": hash_bytes(b"a1"), "b.html": hash_bytes(b"b")},
        {"a.html": hash_bytes(b"a2"), "b.html": hash_bytes(b"b"), "é.html": hash_bytes(b"e")},
        {"a.html": hash_bytes(b"a2"), "é.html": hash_bytes(b"e")},
    ]
    lines: list[bytes] = []
    when = datetime(2026, 5, 1, tzinfo=timezone.utc)
    for n, m in enumerate(manifests, start=1):
        delta = make_delta(manifests[n - 2], m, {}) if n > 1 else None
        prev = line_sha256(lines[-1]) if lines else None
        rec = new_record(prev, n, when, f"etag{n}", m, delta, signer)
        lines.append(rec.to_line().rstrip(b"\n"))
    return lines, manifests[-1]


def _problems(lines: list[bytes], base: dict[str, Entry], key: PublicKey) -> list[str]:
    entries = [LogEntry(LOG_PATH, n, line) for n, line in enumerate(lines, start=1)]
    records, chain = check_chain(entries)
    _, manifests = rebuild(History(entries, base, "manifest.json"), records)
    return [str(d) for d in manifests + chain + check_signatures(records, chain, key)]


_KEY = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
_LOG, _BASE = _signed_log(_KEY)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_single_byte_change_to_a_signed_record_is_detected(data: st.DataObject) -> None:
    assert _problems(_LOG, _BASE, _KEY.public) == []
    n = data.draw(st.integers(0, len(_LOG) - 1), label="record")
    at = data.draw(st.integers(0, len(_LOG[n]) - 1), label="byte")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != _LOG[n][at]), label="value")
    changed = list(_LOG)
    changed[n] = _LOG[n][:at] + bytes([new]) + _LOG[n][at + 1 :]
    if b"\n" in changed[n]:  # a newline splits the record in two lines of the log
        changed[n : n + 1] = changed[n].split(b"\n")
    assert _problems(changed, _BASE, _KEY.public) != []
