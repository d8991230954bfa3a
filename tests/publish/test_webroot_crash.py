"""A web-root publish or rollback cut at every step of its plan (a kill: no clean-up runs) leaves
the live site complete, and the next run converges to the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.publish.log import verify
from sitegen.publish.plan import DeleteCap
from sitegen.publish.runner import PublishOptions, publish_tree
from sitegen.publish.webroot import WebRoot
from tests.publish.helpers import write_tree
from tests.publish.webroot_checks import (
    as_bytes,
    fp_site,
    live_site,
    problems_of_live,
    reader_problems,
)

OPTS = PublishOptions(max_delete=DeleteCap(percent=100))


class Killed(BaseException):
    """Raised by the step hook: like SIGKILL, it skips every `except Exception` clean-up."""


def cut_at(k: int | None, seen: list[str]) -> object:
    def step(name: str) -> None:
        seen.append(name)
        if k is not None and len(seen) == k + 1:
            raise Killed(name)

    return step


def publish(root: Path, out: Path, n: int, *, mode: str = "release", step: object = None) -> None:
    kw = {"step": step} if step is not None else {}
    target = WebRoot(root, mode=mode, keep_releases=2, **kw)  # type: ignore[arg-type]
    publish_tree(write_tree(out, fp_site(n)), target, OPTS)


def steps_of(tmp_path: Path, run: object) -> list[str]:
    seen: list[str] = []
    run(tmp_path / "probe", cut_at(None, seen))  # type: ignore[operator]
    return seen


def publish_v3(root: Path, out: Path, step: object) -> None:
    publish(root, out, 1)
    publish(root, out, 2)
    publish(root, out, 3, step=step)


def rollback_of_v3(root: Path, out: Path, step: object) -> None:
    for n in (1, 2, 3):
        publish(root, out, n)
    WebRoot(root, keep_releases=2, step=step).rollback()  # type: ignore[arg-type]


def test_the_plan_has_every_step(tmp_path: Path) -> None:
    seen = steps_of(tmp_path, lambda r, s: publish_v3(r, tmp_path / "out", s))
    v2 = WebRoot(tmp_path / "probe").releases()[0].name  # kept; v1's release was pruned
    assert [s for s in seen if not s.startswith("write ")] == [
        "manifest",
        "record",
        "release",
        "switch",
        seen[-1],
    ]
    assert seen[-1].startswith("prune ") and seen[-1] < f"prune {v2}"
    assert sorted(s.split()[1] for s in seen if s.startswith("write ")) == sorted(fp_site(3))


@pytest.mark.parametrize(
    ("cut", "then"),
    [
        ("publish", "publish, rollback"),
        ("rollback", "rollback"),
        ("rollback", "publish, rollback"),
    ],
)
def test_cut_at_every_step_then_run_again(tmp_path: Path, cut: str, then: str) -> None:
    out = tmp_path / "out"
    run = publish_v3 if cut == "publish" else rollback_of_v3
    n_steps = len(steps_of(tmp_path, lambda r, s: run(r, out, s)))
    for k in range(n_steps):
        root = tmp_path / f"cut{k}"
        seen: list[str] = []
        with pytest.raises(Killed):
            run(root, out, cut_at(k, seen))
        where = f"{cut} cut before step {k} ({seen[-1]})"
        assert problems_of_live(root) == [], where
        if then.startswith("publish"):
            publish(root, out, 3)  # completes a cut publish; logs a cut rollback's site
            assert live_site(root) == as_bytes(fp_site(3)), where
        # The release before v3's, never v3's again: a rollback re-run completes, never skips.
        WebRoot(root, keep_releases=2).rollback()
        assert live_site(root) == as_bytes(fp_site(2)), where
        assert problems_of_live(root) == [], where
        assert verify(WebRoot(root)) == [], where


def test_cut_at_every_step_of_sync_mode(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def run(root: Path, step: object) -> None:
        publish(root, out, 1, mode="sync")
        publish(root, out, 2, mode="sync", step=step)

    n_steps = len(steps_of(tmp_path, run))
    for k in range(n_steps):
        root = tmp_path / f"cut{k}"
        seen: list[str] = []
        with pytest.raises(Killed):
            run(root, cut_at(k, seen))
        where = f"cut before step {k} ({seen[-1]})"
        served = [p.relative_to(root) for p in root.rglob("*") if ".sitegen" not in p.parts]
        assert reader_problems(root) == [], where
        assert not [p for p in served if "tmp" in p.name], where  # no part file is served
        publish(root, out, 2, mode="sync")
        held = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        held = {p: b for p, b in held.items() if not p.startswith(".sitegen")}
        assert held == as_bytes(fp_site(2)), where
        assert verify(WebRoot(root, mode="sync")) == [], where
