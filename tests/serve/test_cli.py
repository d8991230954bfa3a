"""`sitegen serve` as a command: a subprocess on a free port, stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from sitegen.cli.serve import exposure_warning

REPO = Path(__file__).resolve().parents[2]


def test_serve_command_serves_and_cleans_up_on_ctrl_c(site: Path, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(REPO)}
    code = "from sitegen.cli.serve import serve; serve(prog_name='sitegen serve')"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(site), "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("serving "):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(30), "".join(lines)
        url = next(x for x in lines if x.startswith("serving ")).split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        r = httpx.get(url + "about/")
        assert r.status_code == 200 and b"About us" in r.content
        assert any(x.startswith("built in") for x in lines)
        assert list(tmp.iterdir()), "the output folder is not in TMPDIR"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert proc.returncode == 0, "".join(lines)
    assert list(tmp.iterdir()) == [], "the private output folder was left behind"


@pytest.mark.parametrize(
    "host, warns",
    [
        ("127.0.0.1", False),
        ("localhost", False),
        ("::1", False),
        ("127.0.0.2", False),
        ("0.0.0.0", True),
        ("192.168.1.20", True),
        ("::", True),
        ("myhost.example", True),
    ],
)
def test_warns_when_not_bound_to_loopback(host: str, warns: bool) -> None:
    warning = exposure_warning(host, 8000)
    assert bool(warning) == warns
    if warning:
        assert host in warning and "drafts" in warning


def test_help_lists_the_options() -> None:
    from click.testing import CliRunner

    from sitegen.cli.serve import serve

    out = CliRunner().invoke(serve, ["--help"]).output
    for option in (
        "--port",
        "--host",
        "--open",
        "--drafts",
        "--future",
        "--poll",
        "--user",
        "--cache",
    ):
        assert option in out
