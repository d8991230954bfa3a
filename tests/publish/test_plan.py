from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.errors import ConfigError, PublishError
from sitegen.publish.manifest import Entry, manifest_sha256, parse_json, to_json
from sitegen.publish.plan import (
    DEFAULT_KEEP,
    DeleteCap,
    apply_to_manifest,
    check_delete_cap,
    check_names,
    is_kept,
    make_plan,
    refused_names,
)


def E(s: str, n: int = 1) -> Entry:
    return Entry(s * 64, n)


def test_plan_new_changed_deleted_with_bytes() -> None:
    target = {"a.html": E("a", 10), "b.css": E("b", 20), "gone.png": E("c", 30)}
    source = {"a.html": E("a", 10), "b.css": E("d", 25), "new.js": E("e", 5)}
    plan = make_plan(source, target)
    assert plan.new == ("new.js",)
    assert plan.changed == ("b.css",)
    assert plan.deleted == ("gone.png",)
    assert (plan.new_bytes, plan.changed_bytes, plan.deleted_bytes) == (5, 25, 30)
    assert "changed       1 files" in plan.summary()


def test_upload_order_assets_then_pages() -> None:
    target = {"old.css": E("a"), "index.html": E("b"), "img/old.png": E("c")}
    source = {
        "old.css": E("x"),
        "index.html": E("y"),
        "img/old.png": E("z"),
        "new.html": E("1"),
        "img/new.png": E("2"),
        "new.css": E("3"),
    }
    plan = make_plan(source, target)
    assert plan.uploads() == [
        "img/new.png",
        "new.css",  # new assets; referring ones (CSS) after plain ones
        "img/old.png",
        "old.css",  # changed assets
        "new.html",  # new pages before the changed pages that may link to them
        "index.html",
    ]


def test_deletes_pages_first_and_keep_list() -> None:
    target = {
        "CNAME": E("a"),
        ".well-known/x": E("b"),
        "a.css": E("c"),
        "p.html": E("d"),
        "google1.html": E("e"),
    }
    plan = make_plan({}, target, keep=(*DEFAULT_KEEP, "google*.html"))
    assert plan.deletes() == ["p.html", "a.css"]
    assert set(plan.kept) == {"CNAME", ".well-known/x", "google1.html"}
    assert is_kept(".well-known/acme/x", DEFAULT_KEEP)
    assert not is_kept("well-known", DEFAULT_KEEP)


def test_folders_to_create() -> None:
    plan = make_plan(
        {"a/b/c/x.png": E("a"), "a/y.png": E("b"), "z.png": E("c")}, {"a/old.png": E("d")}
    )
    assert plan.folders_to_create() == ["a/b", "a/b/c"]


def test_delete_cap() -> None:
    target = {f"f{i}.html": E("a") for i in range(10)}
    source = {f"f{i}.html": E("a") for i in range(4)}
    plan = make_plan(source, target)  # deletes 6 of 10
    with pytest.raises(PublishError, match="refusing to delete 6 of the target's 10 files"):
        check_delete_cap(plan, DeleteCap(), confirmed=False)
    check_delete_cap(plan, DeleteCap(), confirmed=True)
    check_delete_cap(plan, DeleteCap.parse("60%"), confirmed=False)
    check_delete_cap(plan, DeleteCap.parse("6"), confirmed=False)
    with pytest.raises(PublishError):
        check_delete_cap(plan, DeleteCap.parse("5"), confirmed=False)
    for bad in ("x", "-1", "150%"):
        with pytest.raises(ConfigError):
            DeleteCap.parse(bad)


def test_refused_names_reported_file_by_file() -> None:
    paths = [
        ".htaccess",
        "dl/big.part",
        "a\\b.html",
        "ok/index.html",
        "x.FILEPART",
        "sub/.HTACCESS/f.txt",
        "ctl\x01.txt",
        "y" * 251,
    ]
    got = {d.path: d.message for d in refused_names(paths)}
    assert set(got) == set(paths) - {"ok/index.html"}
    assert "forbidden file or folder name" in got[".htaccess"]
    assert '".part" is a forbidden file type' in got["dl/big.part"]
    assert '"\\" is not allowed' in got["a\\b.html"]
    plan = make_plan({p: E("a") for p in paths}, {})
    with pytest.raises(PublishError, match="7 file\\(s\\) cannot be published"):
        check_names(plan)


def test_manifest_json_round_trip_and_identity() -> None:
    m = {"b": E("b", 2), "a": E("a", 1)}
    files, extra = parse_json(to_json(m, {"etags": {"a": "x"}}))
    assert files == m and extra == {"etags": {"a": "x"}}
    assert manifest_sha256(m) == manifest_sha256(dict(reversed(list(m.items()))))


paths = st.sampled_from(
    [
        "index.html",
        "a.css",
        "CNAME",
        ".well-known/x",
        "p/q.html",
        "img/i.png",
        "js/app.js",
        "keepme.txt",
    ]
)
entries = st.builds(Entry, st.sampled_from(["0" * 64, "1" * 64, "2" * 64]), st.integers(0, 9))
manifests = st.dictionaries(paths, entries, max_size=8)


@given(source=manifests, target=manifests)
def test_applying_a_plan_yields_the_source(
    source: dict[str, Entry], target: dict[str, Entry]
) -> None:
    keep = (*DEFAULT_KEEP, "keep*.txt")
    plan = make_plan(source, target, keep)
    result = apply_to_manifest(plan, target)
    kept = {p: e for p, e in target.items() if p not in source and is_kept(p, keep)}
    assert result == {**source, **kept}
    # and the result is a fixed point: planning again changes nothing
    assert make_plan(source, result, keep).empty
