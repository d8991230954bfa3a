from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sitegen.errors import ConfigError, SourceError
from sitegen.publish.lock import TargetBusy, TargetLock, lock_path
from sitegen.schedule import (
    Abandoned,
    Cron,
    Every,
    RunOutcome,
    Scheduler,
    StopRequested,
    read_all_status,
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
