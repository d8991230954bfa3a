"""How the Nextcloud fixture fails: a readable error with the logs' tails, never a hang.

These run fake start.sh/stop.sh scripts, so they need no PHP and take no time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.nextcloud import NextcloudStartError, find_home, start

STOP = 'echo "stopped $1" >> "$(dirname "$0")/stops"\n'


def fake_home(tmp_path: Path, start_body: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "start.sh").write_text(f'set -e\nmkdir -p "$1"\n{start_body}\n')
    (home / "stop.sh").write_text(STOP)
    (home / "nextcloud-34.0.1-trimmed.tar.xz").write_bytes(b"")
    return home


def test_a_failed_start_shows_start_sh_and_the_server_log(tmp_path: Path) -> None:
    home = fake_home(
        tmp_path,
        'echo started > "$1/server.pgid"\n'
        'printf "req 1\\nPHP Fatal error: no sqlite\\n" > "$1/server.log"\n'
        'echo "start.sh: server did not answer on http://127.0.0.1:$2/status.php" >&2\nexit 1',
    )
    instance = tmp_path / "nc"
    with pytest.raises(NextcloudStartError) as info:
        start(home, instance)
    message = str(info.value)
    assert "failed (exit 1):\nstart.sh: server did not answer on http://127.0.0.1:" in message
    assert message.endswith(
        f"--- {instance}/server.log (last lines):\nreq 1\nPHP Fatal error: no sqlite"
    )
    assert (home / "stops").read_text() == f"stopped {instance}\n"  # whatever it started


def test_a_hanging_start_is_killed_after_the_timeout(tmp_path: Path) -> None:
    home = fake_home(tmp_path, "echo waiting >&2\nsleep 600")
    with pytest.raises(NextcloudStartError, match=r"(?s)waiting.*start.sh killed after 1 s"):
        start(home, tmp_path / "nc", timeout=1)


def test_a_taken_port_is_retried_with_another(tmp_path: Path) -> None:
    home = fake_home(
        tmp_path,
        'n=$(cat "$1/tries" 2>/dev/null || echo 0); echo $((n+1)) > "$1/tries"\n'
        '[ "$n" -ge 1 ] || { echo "start.sh: port $2 is already in use" >&2; exit 1; }\n'
        'printf "NC_URL=http://127.0.0.1:$2\\nNC_USER=alice\\nNC_APP_PASSWORD=app\\n'
        'NC_ADMIN_PASSWORD=adm\\n" > "$1/env"',
    )
    server = start(home, tmp_path / "nc")
    assert (tmp_path / "nc" / "tries").read_text() == "2\n"
    assert (server.user, server.app_password, server.admin_password) == ("alice", "app", "adm")
    assert server.url == f"http://127.0.0.1:{server.port}"


def test_home_is_found_only_when_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = fake_home(tmp_path, "")
    monkeypatch.setenv("SITEGEN_TEST_NEXTCLOUD", str(home))
    assert find_home() == home
    (home / "nextcloud-34.0.1-trimmed.tar.xz").unlink()
    assert find_home() is None
