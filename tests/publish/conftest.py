from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sitegen.publish.davtarget import DavTarget
from sitegen.webdav import NO_RETRY, Client
from tests.publish.helpers import Killable
from tests.webdav.webdav_servers import (
    NEXTCLOUD_ROOT,
    PASSWORD,
    USER,
    RunningServer,
    free_port,
    serve_wsgi,
    wsgidav_app,
)


@dataclass
class Nginx:
    url: str
    docroot: Path


NGINX_CONF = """
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {docroot};
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    """Debian's nginx in the foreground on a free 127.0.0.1 port, serving SITE/current."""
    exe = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if exe is None:
        pytest.skip("Debian's nginx is not installed (apt-get install nginx)")
    prefix = tmp_path / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    site = tmp_path / "site"
    site.mkdir()
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            user="user root;" if os.geteuid() == 0 else "",
            prefix=prefix,
            port=port,
            docroot=site / "current",
        )
    )
    cmd = [
        exe,
        "-p",
        str(prefix),
        "-c",
        str(conf),
        "-e",
        str(prefix / "error.log"),
        "-g",
        "daemon off;",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(200):  # wait until it listens (readiness, not a timing assertion)
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"nginx did not start: {err}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield Nginx(f"http://127.0.0.1:{port}", site)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Dav:
    server: RunningServer
    root: Path
    killer: Killable

    def target(
        self, folder: str = "", *, retry: bool = True, cache: Path | None = None, **kw: Any
    ) -> DavTarget:
        url = f"{self.server.base}{NEXTCLOUD_ROOT}/{folder}"
        client = Client(url, username=USER, password=PASSWORD, retry=None if retry else NO_RETRY)
        kw.setdefault(
            "bulk", False
        )  # wsgidav has no bulk endpoint (the real Nextcloud's is tested)
        return DavTarget(client, label=url, cache_dir=cache, **kw)


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Dav]:
    """wsgidav in-process on 127.0.0.1, its user root in tmp_path/dav; it can be 'killed'."""
    root = tmp_path / "dav"
    root.mkdir()
    killer = Killable(wsgidav_app(root))
    with serve_wsgi(killer) as srv:
        yield Dav(srv, root, killer)
