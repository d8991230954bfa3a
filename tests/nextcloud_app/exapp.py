"""The app as AppAPI's manual_install daemon runs it: a `sitegen nextcloud-app` process on a free
port, registered with the test Nextcloud under an app id of its own (xdist workers may each run
one), unregistered and stopped afterwards (by its own pid)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.servers.nextcloud import NextcloudServer, NextcloudStartError

DAEMON = "manual_install"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ExApp:
    def __init__(self, nc: NextcloudServer, folder: Path, app_id: str | None = None) -> None:
        self.nc = nc
        self.app_id = app_id or f"sitegen{uuid.uuid4().hex[:8]}"
        self.secret = secrets.token_urlsafe(48)
        self.port = free_port()
        self.storage = folder / "storage"
        self.log = folder / "app.log"
        self.env = {
            **os.environ,
            "APP_ID": self.app_id,
            "APP_SECRET": self.secret,
            "APP_VERSION": "1.0.0",
            "APP_HOST": "127.0.0.1",
            "APP_PORT": str(self.port),
            "NEXTCLOUD_URL": nc.url,
            "APP_PERSISTENT_STORAGE": str(self.storage),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def proxy_url(self, path: str) -> str:
        return f"{self.nc.url}/index.php/apps/app_api/proxy/{self.app_id}/{path.lstrip('/')}"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "sitegen", "nextcloud-app", *args]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=False)

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sitegen", "nextcloud-app"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.origin}/heartbeat", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"the app did not answer /heartbeat:\n{self.log.read_text()}")

    def register(self) -> None:
        ensure_daemon(self.nc)
        info = self.cli("--print-app-info")
        assert info.returncode == 0, info.stderr
        self.nc.occ(
            "app_api:app:register",
            self.app_id,
            DAEMON,
            "--wait-finish",
            "--json-info",
            info.stdout.strip(),
        )

    def unregister(self) -> None:
        self.nc.occ("app_api:app:unregister", self.app_id, "--force")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ensure_daemon(nc: NextcloudServer) -> None:
    """Register the manual_install daemon once (another worker may have done it)."""
    if DAEMON in nc.occ("app_api:daemon:list"):
        return
    try:
        nc.occ(
            "app_api:daemon:register",
            DAEMON,
            "Manual Install",
            "manual-install",
            "http",
            "127.0.0.1",
            nc.url,
        )
    except NextcloudStartError:
        if DAEMON not in nc.occ("app_api:daemon:list"):
            raise


@contextmanager
def registered_app(
    nc: NextcloudServer, folder: Path, app_id: str | None = None, **env: str
) -> Iterator[ExApp]:
    """The app started with `env` added, registered with Nextcloud; unregistered and stopped after."""
    running = ExApp(nc, folder, app_id=app_id)
    running.env.update(env)
    running.start()
    try:
        running.register()
        yield running
        running.unregister()
    finally:
        running.stop()
