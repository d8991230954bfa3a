"""The preview's parts on their own: the build queue (merging, one build at a time, retrying a
failed build's changes), the remote poller (one fingerprint a poll, sync only on change, every
poll without a fingerprint), change filtering, injection and reload targets."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from pathlib import Path

from sitegen.errors import BuildError, Diagnostic
from sitegen.serve.builds import BuildQueue, Outcome
from sitegen.serve.inject import inject
from sitegen.serve.server import page_urls
from sitegen.serve.watch import RemotePoller, relative_paths
from sitegen.sources.memory import MemorySource

from .conftest import Update


class Recorder:
    """A builder that records what it was asked to build; fails while `fail` is set."""

    def __init__(self) -> None:
        self.calls: list[list[str] | None] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail = False
        self.running = 0
        self.most_at_once = 0

    def build(self, changed: Iterable[str] | None = None) -> Update:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.entered.set()
        assert self.gate.wait(10)
        self.calls.append(None if changed is None else sorted(changed))
        self.running -= 1
        if self.fail:
            raise BuildError([Diagnostic("a.md", 2, "broken")])
        return Update(("a/index.html",), (), False, changed is None, 0.0)


def started(builder: Recorder) -> tuple[BuildQueue, list[Outcome], threading.Event]:
    done: list[Outcome] = []
    finished = threading.Event()

    def on_done(o: Outcome) -> None:
        done.append(o)
        finished.set()

    queue = BuildQueue(builder, on_done)
    queue.start()
    return queue, done, finished


def test_changes_that_arrive_during_a_build_merge_into_the_next_one() -> None:
    b = Recorder()
    queue, done, _ = started(b)
    try:
        b.gate.clear()
        queue.request({"a.md"})
        assert b.entered.wait(5)
        for rel in ("b.md", "c.md", "b.md"):
            queue.request({rel})
        assert not queue.idle
        b.gate.set()
        assert queue.wait_idle(10)
        assert b.calls == [["a.md"], ["b.md", "c.md"]]
        assert b.most_at_once == 1
        assert [o.generation for o in done] == [1, 2]
    finally:
        queue.stop()


def test_a_failed_builds_changes_are_built_again_with_the_fix() -> None:
    b = Recorder()
    queue, done, _ = started(b)
    try:
        b.fail = True
        queue.request({"a.md"})
        assert queue.wait_idle(10)
        assert not done[-1].ok and str(done[-1].diagnostics[0]) == "a.md:2: broken"
        b.fail = False
        queue.request({"b.md"})
        assert queue.wait_idle(10)
        assert b.calls[-1] == ["a.md", "b.md"] and done[-1].ok
        queue.request({"c.md"})
        assert queue.wait_idle(10)
        assert b.calls[-1] == ["c.md"]
    finally:
        queue.stop()


def test_a_crash_in_the_builder_is_reported_not_fatal() -> None:
    class Crashing(Recorder):
        def build(self, changed: Iterable[str] | None = None) -> Update:
            raise RuntimeError("bug")

    queue, done, _ = started(Crashing())
    try:
        queue.request(None)
        assert queue.wait_idle(10)
        assert not done[-1].ok and "RuntimeError: bug" in done[-1].error
    finally:
        queue.stop()


def poller(source: MemorySource, last: str | None) -> RemotePoller:
    return RemotePoller(
        source,
        1.0,
        lambda paths: None,
        lambda line: None,
        contextlib.nullcontext,
        last_fingerprint=last,
    )


def test_the_poller_syncs_only_when_the_fingerprint_changed(tmp_path: Path) -> None:
    src = MemorySource(tmp_path / "m", {"a.md": "A", "old.md": "O", ".~lock.a.md#": "lock"})
    src.sync()
    p = poller(src, src.fingerprint())
    assert p.poll_once() == set() and src.syncs == 1
    assert p.poll_once() == set() and src.syncs == 1
    src.files.update({"a.md": b"A2", "new.md": b"N"})
    del src.files["old.md"], src.files[".~lock.a.md#"]
    assert p.poll_once() == {"new.md", "a.md", "old.md"} and src.syncs == 2
    assert p.last == src.fingerprint() and src.checks == 5


def test_without_a_fingerprint_the_poller_syncs_every_poll(tmp_path: Path) -> None:
    src = MemorySource(tmp_path / "m", {"a.md": "A"}, fingerprints=False)
    src.sync()
    p = poller(src, None)
    assert p.poll_once() == set()
    src.files["a.md"] = b"B"
    assert p.poll_once() == {"a.md"}
    assert src.syncs == 3


def test_watched_paths_are_site_relative_without_editor_debris(tmp_path: Path) -> None:
    paths = [
        tmp_path / "posts/a.md",
        tmp_path / ".a.md.swp",
        tmp_path / "b.md~",
        tmp_path / ".git/index",
        tmp_path,
        Path("/elsewhere/x.md"),
    ]
    assert relative_paths(tmp_path, map(str, paths)) == {"posts/a.md"}


def test_inject_goes_before_the_last_body_end_or_at_the_end() -> None:
    assert inject(b"<p>x</p></BODY ></html>", b"S") == b"<p>x</p>S</BODY ></html>"
    assert inject(b"<pre></body></pre></body>", b"S") == b"<pre></body></pre>S</body>"
    assert inject(b"<p>fragment", b"S") == b"<p>fragmentS"


def test_reload_targets() -> None:
    up = Update(
        ("index.html", "posts/hello/index.html", "a b.html"), ("old/index.html",), False, False, 0.0
    )
    assert page_urls("/blog/", up) == [
        "/blog/",
        "/blog/index.html",
        "/blog/posts/hello/",
        "/blog/posts/hello/index.html",
        "/blog/a%20b",
        "/blog/a%20b.html",
        "/blog/old/",
        "/blog/old/index.html",
    ]
    assert page_urls("/", Update(("img/a.png",), (), False, False, 0.0)) is None
    assert page_urls("/", Update(("a.html",), (), False, True, 0.0)) is None
