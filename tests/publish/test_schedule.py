from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli.schedule import status
from sitegen.errors import ConfigError, SourceError
from sitegen.publish.lock import TargetBusy, TargetLock, lock_held, lock_path
from sitegen.schedule import (
    Abandoned,
    Cron,
    Every,
    RunOutcome,
    Scheduler,
    StopRequested,
    read_all_status,
    scheduler_lock_path,
    status_path,
)

T0 = datetime(2026, 5, 1, 5, 0, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


class FakeSource:
    """Counts fingerprint requests; the job counts pipeline runs (each one touches the target)."""

    def __init__(self) -> None:
        self.etag = "e1"
        self.fingerprints = 0
        self.runs = 0
        self.fail = 0
        self.due: datetime | None = None

    def fingerprint(self) -> str:
        self.fingerprints += 1
        return self.etag

    def job(self, stop: StopRequested) -> RunOutcome:
        if self.fail:
            self.fail -= 1
            raise SourceError("cloud.example.com: HTTP 503")
        self.runs += 1
        return RunOutcome("published", self.due)


def make(tmp_path: Path, src: FakeSource, clock: FakeClock, trigger: object = None) -> Scheduler:
    return Scheduler(
        "/srv/www",
        trigger or Every.parse("10m"),
        src.fingerprint,
        src.job,  # type: ignore[arg-type]
        status_path(tmp_path, "/srv/www"),
        clock=clock,
        sleep=clock.sleep,
    )


def test_ticks_run_only_when_the_source_changed(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()
    s = make(tmp_path, src, clock)
    assert s.tick().startswith("ok")
    clock.now += timedelta(minutes=10)
    assert s.tick() == "unchanged"  # one fingerprint request, no run, nothing sent to the target
    assert (src.fingerprints, src.runs) == (2, 1)
    src.etag = "e2"
    assert s.tick().startswith("ok") and src.runs == 2
    st = read_all_status(tmp_path)[0]
    assert st.target == "/srv/www" and st.result == "ok: published"
    assert st.next_run == (clock.now + timedelta(minutes=10)).isoformat()


def test_a_due_page_triggers_a_run(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()
    src.due = T0 + timedelta(minutes=25)
    s = make(tmp_path, src, clock)
    s.tick()
    src.due = None
    s.run(max_ticks=4)  # now, T0+10m, T0+20m: unchanged; T0+25m: due
    assert src.runs == 2
    assert clock.now == T0 + timedelta(minutes=25)


def test_failures_are_retried_with_backoff_never_fatal(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()
    src.fail = 2
    s = make(tmp_path, src, clock)
    assert s.tick().startswith("failed (1x): cloud.example.com: HTTP 503")
    assert s.status.next_run == (T0 + timedelta(seconds=30)).isoformat()
    clock.now += timedelta(seconds=30)
    assert s.tick().startswith("failed (2x)")
    assert s.status.next_run == (clock.now + timedelta(seconds=60)).isoformat()
    clock.now += timedelta(seconds=60)
    assert s.tick().startswith("ok") and s.status.failures == 0  # retried though etag unchanged


def test_stop_request_abandons_cleanly_between_steps(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()

    def job(stop: StopRequested) -> RunOutcome:
        s.request_stop()  # SIGTERM arrives during the sync step
        if stop():
            raise Abandoned
        return RunOutcome("never")

    s = Scheduler(
        "t",
        Every(60),
        src.fingerprint,
        job,
        status_path(tmp_path, "t"),
        clock=clock,
        sleep=clock.sleep,
    )
    s.run()
    assert s.status.result == "abandoned: stop requested"
    assert s.status.fingerprint is None  # the next run starts over


def test_cron_and_every_parsing() -> None:
    c = Cron("0 6 * * *", tz=timezone.utc)
    assert c.next_after(T0) == T0.replace(hour=6)
    assert c.next_after(T0.replace(hour=6)) == T0.replace(hour=6) + timedelta(days=1)
    assert Every.parse("10m").seconds == 600 and Every.parse("2h").seconds == 7200
    with pytest.raises(ConfigError):
        Every.parse("soon")
    with pytest.raises(ConfigError):
        Cron("61 * * * *")


def test_a_second_run_on_the_same_target_exits_clearly(tmp_path: Path) -> None:
    path = lock_path(tmp_path, "/srv/www")
    with TargetLock(path, "/srv/www"):
        code = (
            "import sys; from pathlib import Path\n"
            "from sitegen.publish.lock import TargetLock, TargetBusy\n"
            f"try:\n    TargetLock(Path({str(path)!r}), '/srv/www').acquire()\n"
            "except TargetBusy as e:\n    print(e); sys.exit(3)\n"
        )
        r = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        assert r.returncode == 3, r.stderr
        assert "another sitegen run (pid" in r.stdout and "/srv/www" in r.stdout
        with pytest.raises(TargetBusy):
            TargetLock(path, "/srv/www").acquire()
    TargetLock(path, "/srv/www").acquire()  # free again once released


def test_a_failing_scheduler_retries_with_backoff_and_recovers_by_itself(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()
    src.fail = 3  # the server answers 503 three times, then is back
    s = make(tmp_path, src, clock)
    ticks: list[float] = []

    def fingerprint() -> str:
        ticks.append((clock.now - T0).total_seconds())
        return src.fingerprint()

    s.fingerprint = fingerprint
    s.run(max_ticks=5)
    assert ticks == [0, 30, 90, 210, 810]  # after 30 s, 60 s, 120 s, then the 10 min interval
    assert (src.runs, s.status.failures, s.status.result) == (1, 0, "unchanged")
    assert s.status.last_error == "cloud.example.com: HTTP 503"  # kept, with its time
    assert s.status.last_error_at == (T0 + timedelta(seconds=90)).isoformat()


def test_an_unreachable_source_is_a_failure_retried_like_any_other(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()
    s = make(tmp_path, src, clock)

    def unreachable() -> str:
        raise SourceError("cloud.example.com: connection refused")

    s.fingerprint = unreachable
    assert s.tick() == "failed (1x): cloud.example.com: connection refused"
    s.fingerprint = src.fingerprint
    clock.now += timedelta(seconds=30)
    assert s.tick() == "ok: published" and s.status.failures == 0


def test_a_busy_target_waits_for_the_next_tick(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()
    s = make(tmp_path, src, clock)
    s.target_lock = TargetLock(lock_path(tmp_path, "/srv/www"), "/srv/www")
    with TargetLock(lock_path(tmp_path, "/srv/www"), "/srv/www"):  # a `sitegen publish` runs
        assert s.tick() == f"waiting: another sitegen run (pid {os.getpid()}) is publishing"
        assert (src.runs, s.status.failures) == (0, 0)
        assert s.status.next_run == (T0 + timedelta(seconds=30)).isoformat()
    clock.now += timedelta(seconds=30)
    assert s.tick() == "ok: published" and src.runs == 1
    assert not lock_held(lock_path(tmp_path, "/srv/www"))  # taken only while the run runs


def status_output(state: Path) -> str:
    r = CliRunner().invoke(status, ["--state-dir", str(state)])
    assert r.exit_code == 0, r.output
    return r.output


def test_status_tells_whether_the_scheduler_runs(tmp_path: Path) -> None:
    src, clock = FakeSource(), FakeClock()
    src.fail = 1
    s = make(tmp_path, src, clock)
    t0 = T0.isoformat()
    with TargetLock(scheduler_lock_path(tmp_path, "/srv/www"), "/srv/www (scheduler)"):
        s.start()
        s.tick()
        assert status_output(tmp_path) == (
            f"/srv/www\n  scheduler: running (pid {os.getpid()} since {t0}; last tick {t0})\n"
            f"  last run: {t0}  result: failed (1x): cloud.example.com: HTTP 503\n"
            "  failures in a row: 1\n"
            f"  last error at {t0}: cloud.example.com: HTTP 503\n"
            f"  next retry: {(T0 + timedelta(seconds=30)).isoformat()}\n"
        )
    # The lock is free but the pid lives (this process): another process may have that pid now.
    assert "  scheduler: not running: pid" in status_output(tmp_path)
    s.stopped()
    out = status_output(tmp_path)
    assert f"  scheduler: stopped at {t0}\n" in out
    assert out.endswith("  next run: - (no scheduler is running for this target)\n")


def test_status_of_a_killed_scheduler_shows_no_next_run(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    src, clock = FakeSource(), FakeClock()
    s = make(tmp_path, src, clock)
    s.pid = gone.pid
    s.start()
    s.tick()  # then killed -9: no clean stop recorded
    assert s.status.next_run is not None
    out = status_output(tmp_path)
    assert f"  scheduler: not running: pid {gone.pid} is gone (last tick {T0.isoformat()})\n" in out
    assert "next run: -" in out and s.status.next_run not in out


def test_a_second_scheduler_on_the_same_target_exits_clearly(tmp_path: Path) -> None:
    from sitegen.cli.schedule import schedule

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitegen.toml").write_text('title = "T"\n')
    www = (tmp_path / "www").resolve()
    label = str(www)
    with TargetLock(scheduler_lock_path(tmp_path / "state", label), label):
        r = CliRunner().invoke(
            schedule,
            [str(site), "--to", str(www), "--every", "10m", "--state-dir", str(tmp_path / "state")],
        )
    assert r.exit_code == 1
    assert (
        r.stderr == f"error: another scheduler (pid {os.getpid()}) already publishes to {label}\n"
    )
    assert not www.exists()


def test_a_push_wakes_the_scheduler_before_its_next_run_time(tmp_path: Path) -> None:
    """Nextcloud's notify_push calls `wake`: the change is published within a sleep slice, not
    at the next interval."""
    src, clock = FakeSource(), FakeClock()
    s = make(tmp_path, src, clock)

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now == T0 + timedelta(seconds=3):  # a save in Nextcloud, 3 s after the start
            src.etag = "e2"
            s.wake()

    s.sleep = sleep
    s.run(max_ticks=2)
    assert src.runs == 2
    assert clock.now == T0 + timedelta(seconds=3)  # not T0 + 10 minutes
