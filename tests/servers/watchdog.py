"""Stop a test Nextcloud and remove its run folder when the test run that owns them is gone
(killed before its own clean-up could run).

usage: python watchdog.py OWNER_PID STOP_SH RUN_DIR
Started before the server, so a kill during its start is covered too. Exits by itself once
RUN_DIR is gone (the run cleaned up normally).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(owner: int, stop_sh: str, run: Path) -> None:
    while run.exists():
        if not alive(owner):
            with contextlib.suppress(OSError, ValueError):  # a start.sh still running
                os.killpg(int((run / "nc.starting").read_text()), signal.SIGKILL)
                time.sleep(0.5)  # lets a server it had just launched write its server.pgid
            subprocess.run(["bash", stop_sh, str(run / "nc")], check=False)
            shutil.rmtree(run, ignore_errors=True)
            return
        time.sleep(1)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
