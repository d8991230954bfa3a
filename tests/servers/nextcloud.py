"""The real Nextcloud 34 server of ../shared/nextcloud (README there), for tests.

`nextcloud` (session fixture) starts it once per test run and yields a `NextcloudServer`; it skips
when the shared folder is absent. Under pytest-xdist the workers share one instance: the first to
need it starts it under a file lock in the run folder that `plugin.py` made, and `plugin.py` stops
it when the whole run ends; a watchdog process stops it if the run is killed instead.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_HOME = REPO.parent / "shared" / "nextcloud"
HOME_ENV = "SITEGEN_TEST_NEXTCLOUD"  # overrides DEFAULT_HOME
RUN_ENV = "_SITEGEN_TEST_NEXTCLOUD_RUN"  # the run folder, set by plugin.py for every worker
START_TIMEOUT = 240.0  # start.sh may have to apt-get install PHP first
INSTANCE = "nc"  # the instance folder inside a run folder (watchdog.py knows it too)


class NextcloudStartError(RuntimeError):
    pass


@dataclass(frozen=True)
class NextcloudServer:
    url: str  # http://127.0.0.1:PORT
    user: str  # alice
    app_password: str
    admin_password: str
    dir: Path  # the instance folder (nextcloud/, data/, env, server.log)
    started_in: float  # seconds start.sh took (0 when another worker started it)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def files_dir(self) -> Path:
        """The user's files on disk; after editing them, `scan` the folder."""
        return self.dir / "data" / self.user / "files"

    def occ(self, *args: str, timeout: float = 120) -> str:
        """`php nextcloud/occ ARGS`; its stdout, or NextcloudStartError with its output."""
        php = shutil.which("php8.2") or shutil.which("php") or "php"
        cmd = [php, str(self.dir / "nextcloud" / "occ"), "--no-interaction", "--no-ansi", *args]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if run.returncode != 0:
            raise NextcloudStartError(
                f"occ {' '.join(args)} exited {run.returncode}:\n{run.stdout}{run.stderr}"
            )
        return run.stdout

    def dav_url(self, folder: str = "", *, port: int | None = None) -> str:
        """The WebDAV URL of a folder of the user's files (no trailing slash); `port`: reached
        through a proxy on that port (`FaultProxy.port`) instead."""
        path = quote(folder.strip("/"))
        base = f"http://127.0.0.1:{port or self.port}/remote.php/dav/files/{self.user}"
        return base + (f"/{path}" if path else "")

    def sitegen_url(self, folder: str, *, port: int | None = None) -> str:
        """The folder as sitegen's CLI takes it: nextcloud+http://alice@127.0.0.1:PORT/FOLDER
        (`port`: through a proxy on that port)."""
        netloc = f"{self.user}@127.0.0.1:{port or self.port}"
        return f"nextcloud+http://{netloc}/{quote(folder.strip('/'))}"

    def new_folder(self, prefix: str = "t") -> str:
        """A folder name no other test uses (not created)."""
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def local_path(self, folder: str) -> Path:
        return self.files_dir / folder.strip("/")

    def scan(self, folder: str = "") -> None:
        """Make Nextcloud see files written straight to `local_path(folder)` (about 0.3 s)."""
        self.occ("files:scan", f"--path=/{self.user}/files/{folder.strip('/')}")

    def upload(self, folder: str, files: Mapping[str, bytes | str | None]) -> None:
        """Create files (None: an empty folder) below `folder` over WebDAV, as a client would:
        Nextcloud stores names NFC-normalized, and cannot see non-NFC names written on disk."""
        with self.client() as http:
            made: set[str] = set()
            for rel, content in sorted(files.items()):
                parts = f"{folder.strip('/')}/{rel}".split("/")
                for n in range(1, len(parts) + (content is None)):
                    parent = "/".join(parts[:n])
                    if parent not in made:
                        made.add(parent)
                        answer = http.request("MKCOL", self.dav_url(parent))
                        if answer.status_code not in (201, 405):  # 405: it exists
                            answer.raise_for_status()
                if content is not None:
                    data = content.encode() if isinstance(content, str) else content
                    http.put(self.dav_url("/".join(parts)), content=data).raise_for_status()

    def client(self, **options: object) -> httpx.Client:
        """An httpx client logged in as the user with the app password."""
        return httpx.Client(auth=(self.user, self.app_password), timeout=60, **options)  # type: ignore[arg-type]


def find_home() -> Path | None:
    home = Path(os.environ.get(HOME_ENV) or DEFAULT_HOME)
    needed = ("start.sh", "stop.sh", "nextcloud-34.0.1-trimmed.tar.xz")
    return home if all((home / name).is_file() for name in needed) else None


def read_env(instance: Path, started_in: float) -> NextcloudServer:
    env = dict(
        line.split("=", 1) for line in (instance / "env").read_text().splitlines() if "=" in line
    )
    return NextcloudServer(
        url=env["NC_URL"],
        user=env["NC_USER"],
        app_password=env["NC_APP_PASSWORD"],
        admin_password=env["NC_ADMIN_PASSWORD"],
        dir=instance,
        started_in=started_in,
    )


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(none)"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(home: Path, instance: Path, timeout: float = START_TIMEOUT) -> NextcloudServer:
    """Run start.sh (a new port when the chosen one was taken meanwhile); stop.sh on failure."""
    began = time.monotonic()
    starting = instance.parent / f"{instance.name}.starting"  # start.sh's process group
    for _ in range(3):
        proc = subprocess.Popen(
            ["bash", str(home / "start.sh"), str(instance), str(_free_port())],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so a timeout can kill its apt/curl children too
        )
        starting.write_text(str(proc.pid))  # for watchdog.py, should this process die now
        try:
            _out, err = proc.communicate(timeout=max(1.0, timeout - (time.monotonic() - began)))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _out, err = proc.communicate()
            err += f"\n(start.sh killed after {timeout:.0f} s)"
        finally:
            starting.unlink(missing_ok=True)
        if proc.returncode == 0:
            return read_env(instance, time.monotonic() - began)
        stop(home, instance)
        if "already in use" not in err:
            break
    raise NextcloudStartError(
        f"{home / 'start.sh'} {instance} failed (exit {proc.returncode}):\n{err.strip()}\n"
        f"--- {instance / 'server.log'} (last lines):\n{_tail(instance / 'server.log')}"
    )


def stop(home: Path, instance: Path) -> None:
    if (instance / "server.pgid").exists():
        subprocess.run(["bash", str(home / "stop.sh"), str(instance)], timeout=30, check=False)


def _alive(instance: Path) -> bool:
    try:
        os.killpg(int((instance / "server.pgid").read_text()), 0)
    except (OSError, ValueError):
        return False
    return (instance / "env").is_file()


def _spawn_watchdog(home: Path, run: Path) -> None:
    """A process that stops the server if the run dies before plugin.py can (watchdog.py)."""
    owner = (run / "owner.pid").read_text().strip()
    script = Path(__file__).with_name("watchdog.py")
    watchdog = subprocess.Popen(
        [sys.executable, str(script), owner, str(home / "stop.sh"), str(run)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    (run / "watchdog.pid").write_text(str(watchdog.pid))


def shared_server(home: Path, run: Path) -> NextcloudServer:
    """The run's instance: started by the first worker that needs it, reused by the others."""
    instance, failed = run / INSTANCE, run / "failed"
    with open(run / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if failed.exists():
            raise NextcloudStartError(failed.read_text())
        if _alive(instance):
            return read_env(instance, 0.0)
        if not (run / "watchdog.pid").exists():
            _spawn_watchdog(home, run)
        try:
            server = start(home, instance)
        except NextcloudStartError as e:
            failed.write_text(str(e))
            raise
        (run / "started_in").write_text(f"{server.started_in:.1f}")
        return server


@pytest.fixture(scope="session")
def nextcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NextcloudServer]:
    home = find_home()
    if home is None:
        where = os.environ.get(HOME_ENV) or DEFAULT_HOME
        pytest.skip(f"no Nextcloud test server at {where} (set {HOME_ENV} to its folder)")
    run = os.environ.get(RUN_ENV)
    if run:
        yield shared_server(home, Path(run))
        return
    instance = tmp_path_factory.mktemp("nextcloud")  # no plugin: this session owns it
    try:
        yield start(home, instance)
    finally:
        stop(home, instance)


@pytest.fixture
def nc_env(nextcloud: NextcloudServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """sitegen logs in with the app password, never with the runner's netrc or keyring."""
    monkeypatch.setenv("SITEGEN_PASSWORD", nextcloud.app_password)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
