"""Real WebDAV servers in a subprocess on 127.0.0.1, for the tests and the sync benchmark:

- `rclone serve webdav`, a second and stricter server than wsgidav;
- wsgidav in a child process, so a test can kill it (SIGKILL) like a crashed server, optionally
  slow to answer GETs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cheroot import wsgi

from tests.webdav.webdav_servers import (
    PASSWORD,
    USER,
    RequestLog,
    RunningServer,
    free_port,
    wait_for_port,
    wsgidav_app,
)

REPO = Path(__file__).resolve().parents[2]  # the child runs `-m` from here, `tests` importable


def rclone_path() -> str | None:
    return shutil.which("rclone")


@contextmanager
def serve_rclone(root: Path) -> Iterator[RunningServer]:
    """`rclone serve webdav` over `root`, with no directory caching so changes show at once."""
    exe = rclone_path()
    if exe is None:
        raise RuntimeError("rclone is not installed")
    port = free_port()
    confdir = tempfile.mkdtemp(prefix="sitegen-rclone-conf-")
    env = {**os.environ, "RCLONE_CONFIG": os.path.join(confdir, "rclone.conf")}
    proc = subprocess.Popen(
        [
            exe,
            "serve",
            "webdav",
            str(root),
            "--addr",
            f"127.0.0.1:{port}",
            "--user",
            USER,
            "--pass",
            PASSWORD,
            "--dir-cache-time",
            "0s",
            "--poll-interval",
            "0",
            "--log-level",
            "ERROR",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    try:
        wait_for_port(port)
        yield RunningServer(f"http://127.0.0.1:{port}", RequestLog(), stop, root, "rclone", "")
    finally:
        stop()
        if proc.stderr:
            proc.stderr.close()
        shutil.rmtree(confdir, ignore_errors=True)


def slow_gets(app: Callable[..., Any], delay: float) -> Callable[..., Any]:
    """Every GET waits `delay` seconds first (to kill a server while a sync is downloading)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ["REQUEST_METHOD"] == "GET":
            time.sleep(delay)
        return app(environ, start_response)

    return wrapped


@contextmanager
def wsgidav_process(
    root: Path, port: int, *, get_delay: float = 0.0
) -> Iterator[subprocess.Popen[bytes]]:
    """wsgidav in a child process, so a test can kill it (SIGKILL) like a crashed server."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.webdav.process_servers",
            str(Path(root).resolve()),
            str(port),
            str(get_delay),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


if __name__ == "__main__":  # python -m tests.webdav.process_servers ROOT PORT GET_DELAY
    root_arg, port_arg, delay_arg = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    server = wsgi.Server(
        ("127.0.0.1", port_arg), slow_gets(wsgidav_app(Path(root_arg)), delay_arg), numthreads=8
    )
    server.safe_start()
