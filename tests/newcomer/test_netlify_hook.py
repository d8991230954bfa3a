"""The `netlify-hook:` target POSTs Netlify's build hook only when the site really changed
(or a held-back page fell due), however often `publish` or the scheduler runs."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.publish.netlify import NetlifyHook, rebuild_if_changed, record_path
from sitegen.run import RunSettings, TargetSettings, run_pipeline
from sitegen.schedule import Every, Scheduler
from tests.newcomer.hookserver import Build, Hooks, netlify_hooks

SITE = {
    "sitegen.toml": 'title = "T"\n',
    "index.md": "# Home\n",
    "about.md": "# About\n",
}
TITLE = "sitegen: {} changed"


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    with netlify_hooks("abc123") as h:
        yield h


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SITEGEN_STATE_DIR", str(tmp_path / "state"))
    root = tmp_path / "site"
    for rel, text in SITE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def publish(site: Path, hooks: Hooks, *more: str) -> tuple[int, str, str]:
    args = ["publish", str(site), "--to", f"netlify-hook:{hooks.url('abc123')}", *more]
    r = CliRunner().invoke(main, args, prog_name="sitegen")
    return r.exit_code, r.stdout, r.stderr


def test_publish_posts_the_hook_only_when_the_site_changed(site: Path, hooks: Hooks) -> None:
    label = f"netlify-hook:{hooks.base}/…"
    assert publish(site, hooks) == (0, f"build hook POSTed ({label})\n", "")
    assert hooks.builds == [Build("abc123", TITLE.format(site), b"{}")]
    unchanged = (0, f"unchanged since the last build hook ({label}): not POSTed\n", "")
    assert publish(site, hooks) == unchanged
    os.utime(site / "index.md", (0, 0))  # touched, same bytes
    (site / ".index.md.swp").write_text("editor debris")  # hidden: the build never reads it
    assert publish(site, hooks) == unchanged
    assert len(hooks.builds) == 1
    (site / "index.md").write_text("# Home, edited\n")
    assert publish(site, hooks)[1] == f"build hook POSTed ({label})\n"
    (site / "about.md").unlink()
    assert publish(site, hooks)[1] == f"build hook POSTed ({label})\n"
    assert len(hooks.builds) == 3


def test_a_dry_run_or_a_refused_hook_leaves_the_next_run_to_post(
    site: Path, hooks: Hooks, tmp_path: Path
) -> None:
    assert publish(site, hooks, "--dry-run")[:2] == (
        0,
        f"would POST the build hook netlify-hook:{hooks.base}/…\n",
    )
    assert hooks.builds == []
    hooks.ids.clear()  # Netlify no longer knows the hook
    code, out, err = publish(site, hooks)
    assert (code, out) == (1, "")
    assert err == f"error: netlify-hook:{hooks.base}/…: the build hook answered HTTP 404\n"
    assert "abc123" not in err
    assert not (tmp_path / "state" / "netlify").exists()
    hooks.ids.add("abc123")
    assert publish(site, hooks)[1].startswith("build hook POSTed")
    assert len(hooks.builds) == 1


def test_the_scheduler_posts_once_for_many_ticks(site: Path, hooks: Hooks, tmp_path: Path) -> None:
    state = tmp_path / "state"
    spec = f"netlify-hook:{hooks.url('abc123')}"
    rs = RunSettings(str(site), TargetSettings(spec), state_dir=state)
    clock = [dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)]
    sched = Scheduler(
        spec,
        Every(600),
        lambda: None,  # a local folder has no cheap fingerprint: every tick runs the job
        lambda stop: run_pipeline(rs, stop),
        state / "status.json",
        clock=lambda: clock[0],
    )
    results = []
    for _ in range(5):
        results.append(sched.tick())
        clock[0] += dt.timedelta(minutes=10)
    assert len(hooks.builds) == 1
    assert results[0].startswith("ok: build hook POSTed")
    assert all(r.startswith("ok: unchanged since the last build hook") for r in results[1:])
    (site / "index.md").write_text("# Home, edited\n")
    assert sched.tick().startswith("ok: build hook POSTed")
    assert len(hooks.builds) == 2


def test_a_page_falling_due_posts_the_hook(site: Path, hooks: Hooks, tmp_path: Path) -> None:
    (site / "later.md").write_text("---\ntitle: Later\npublish_date: 2026-06-01T15:00:00\n---\nx\n")
    hook = NetlifyHook.parse(f"netlify-hook:{hooks.url('abc123')}")
    record = record_path(tmp_path / "state", hook)
    noon = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)
    due = dt.datetime(2026, 6, 1, 15, tzinfo=dt.timezone.utc)

    def run(now: dt.datetime) -> tuple[str, dt.datetime | None]:
        return rebuild_if_changed(hook, site, record, title="t", now=now)

    assert run(noon) == (f"build hook POSTed ({hook.label})", due)
    assert run(noon + dt.timedelta(hours=1))[0].startswith("unchanged")
    assert run(due) == (f"build hook POSTed ({hook.label})", None)  # Later is out now
    assert run(due + dt.timedelta(hours=1))[0].startswith("unchanged")
    assert len(hooks.builds) == 2
